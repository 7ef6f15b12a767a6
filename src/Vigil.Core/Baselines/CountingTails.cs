namespace Vigil.Core.Baselines;

/// <summary>
/// How far a count may stray from its expectation by chance alone: the counts of a window
/// (requests, errors) are Poisson around the expected count, so a quiet service's 15 expected
/// requests come in as 6 or 26 about once a week of minutes, while 0 would happen once in
/// three million. The tails are exact (summed term by term) up to an expected count of
/// <see cref="ExactUpTo"/>, where the normal approximation of a count of a few requests or
/// errors is far off in both directions (too wide below, too narrow above); beyond it a
/// Cornish–Fisher corrected normal quantile is within a count of the exact one.
/// </summary>
public static class CountingTails
{
    /// <summary>Expected counts up to this are summed exactly; larger ones are approximated.</summary>
    public const double ExactUpTo = 400;

    /// <summary>
    /// The one-sided tail probability a count must fall under at a sensitivity: the normal tail
    /// beyond the sensitivity's <see cref="AnomalyBand.SpreadMultiplier"/> (6, 4 and 3 σ), so a
    /// count is as improbable as a value that many robust σ from its center.
    /// </summary>
    public static double TailProbability(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => 9.866e-10,
        AnomalySensitivity.Medium => 3.167e-5,
        AnomalySensitivity.High => 1.350e-3,
        _ => throw new ArgumentOutOfRangeException(nameof(sensitivity), sensitivity, "Unknown sensitivity."),
    };

    /// <summary>
    /// For a Poisson count of mean <paramref name="expected"/>: the largest count at most as
    /// likely as <paramref name="sensitivity"/>'s tail probability from below (−1 when even 0 is
    /// more likely: no count is improbably low), and the smallest count at most that likely from
    /// above.
    /// </summary>
    public static (long Low, long High) Poisson(double expected, AnomalySensitivity sensitivity) =>
        Bounds(expected, TailProbability(sensitivity), AnomalyBand.SpreadMultiplier(sensitivity), variance: expected);

    /// <summary>
    /// As <see cref="Poisson(double, AnomalySensitivity)"/> for a count that strays further than
    /// Poisson chance: a negative binomial of mean <paramref name="expected"/> and variance
    /// <paramref name="expected"/> + <paramref name="extraVariance"/> (Poisson arrivals whose rate
    /// itself swings from window to window, as traffic does). With no extra variance it is the
    /// Poisson; its lower tail stays short (a quiet service's silence is improbable however its
    /// rate swings a little), where a normal band of the same variance would reach below zero.
    /// Exact up to an expected count of <see cref="ExactUpTo"/>, normal with the whole variance beyond.
    /// </summary>
    public static (long Low, long High) NegativeBinomial(double expected, double extraVariance, AnomalySensitivity sensitivity)
    {
        if (!double.IsFinite(expected) || expected < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expected), expected, "An expected count is finite and not negative.");
        }

        if (!(extraVariance >= 0) || double.IsPositiveInfinity(extraVariance))
        {
            throw new ArgumentOutOfRangeException(nameof(extraVariance), extraVariance, "An extra variance is finite and not negative.");
        }

        // The shape r of the negative binomial: variance μ + μ² / r. Past a million it is the
        // Poisson to the last count; under 1 (the swings larger than the count itself) the
        // distribution is too skewed to walk in few steps, and the normal of its variance stands in.
        var shape = extraVariance > 0 && expected > 0 ? expected * expected / extraVariance : double.PositiveInfinity;
        var z = AnomalyBand.SpreadMultiplier(sensitivity);
        return shape < 1
            ? Normal(expected, z, expected + extraVariance, skew: 0) // the Poisson's skew term would be wrong here (at 0.01 expected it made 5 improbably low)
            : Bounds(expected, TailProbability(sensitivity), z, variance: expected + extraVariance, shape: shape > 1e6 ? double.PositiveInfinity : shape);
    }

    /// <summary>
    /// As <see cref="Poisson(double, AnomalySensitivity)"/> for the errors among
    /// <paramref name="trials"/> requests of error probability <paramref name="probability"/>:
    /// a Poisson count of mean trials × probability (slightly wider than the binomial, which is
    /// what a burst-prone error count needs) up to <see cref="ExactUpTo"/>, the binomial variance beyond.
    /// </summary>
    public static (long Low, long High) Binomial(long trials, double probability, AnomalySensitivity sensitivity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        var p = Math.Clamp(probability, 0, 1);
        var expected = trials * p;
        return Bounds(expected, TailProbability(sensitivity), AnomalyBand.SpreadMultiplier(sensitivity), variance: expected * (1 - p));
    }

    /// <summary>
    /// Whether <paramref name="count"/> successes in <paramref name="trials"/> of probability
    /// <paramref name="probability"/> are improbably few at <paramref name="sensitivity"/>: at
    /// most as likely as its tail probability. The sign test of a quantile (how many of a
    /// window's requests are at or below the usual median) asks it. Exact (summed term by term,
    /// in logarithms, so a thousand trials do not underflow) while the variance is at most
    /// <see cref="ExactUpTo"/>; beyond it, the normal approximation with a continuity correction.
    /// </summary>
    public static bool IsImprobablyFew(long count, long trials, double probability, AnomalySensitivity sensitivity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (double.IsNaN(probability))
        {
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A probability is a number.");
        }

        var p = Math.Clamp(probability, 0, 1);
        if (count < 0 || p == 0)
        {
            return false; // no count is below 0; with no chance of success, 0 is certain
        }

        var variance = trials * p * (1 - p);
        if (variance > ExactUpTo)
        {
            return count + 0.5 <= (trials * p) - (AnomalyBand.SpreadMultiplier(sensitivity) * Math.Sqrt(variance));
        }

        if (p == 1)
        {
            return count < trials; // every trial succeeds: fewer is impossible
        }

        // P(X ≤ count), from P(X = 0) = (1 − p)^n up: P(X = k + 1) = P(X = k) × (n − k) / (k + 1) × p / (1 − p).
        var tail = TailProbability(sensitivity);
        var logTerm = trials * Math.Log(1 - p);
        var logOdds = Math.Log(p / (1 - p));
        var cumulative = 0.0;
        for (long k = 0; k <= Math.Min(count, trials); k++)
        {
            cumulative += Math.Exp(logTerm);
            if (cumulative > tail)
            {
                return false;
            }

            logTerm += Math.Log((double)(trials - k) / (k + 1)) + logOdds;
        }

        return true;
    }

    /// <summary>As <see cref="IsImprobablyFew"/>, for improbably many successes.</summary>
    public static bool IsImprobablyMany(long count, long trials, double probability, AnomalySensitivity sensitivity) =>
        IsImprobablyFew(trials - count, trials, 1 - probability, sensitivity);

    /// <summary>The normal quantiles of a count, shifted by <paramref name="skew"/> (for a Poisson the first Cornish–Fisher term, (z² − 1) / 6).</summary>
    private static (long Low, long High) Normal(double expected, double z, double variance, double skew)
    {
        var sd = Math.Sqrt(variance);
        return (Count(Math.Floor(expected - z * sd + skew)), Count(Math.Ceiling(expected + z * sd + skew)));

        // −1 (no count is improbably low) at the bottom; a huge variance must not wrap a long.
        static long Count(double x) => x < -1 ? -1 : x > 1e18 ? 1_000_000_000_000_000_000 : (long)x;
    }

    /// <summary>
    /// The count bounds of a Poisson (<paramref name="shape"/> infinite) or negative binomial of
    /// mean <paramref name="expected"/>: exact up to <see cref="ExactUpTo"/>, walking the
    /// distribution up from P(X = 0); normal with <paramref name="variance"/> beyond.
    /// </summary>
    private static (long Low, long High) Bounds(double expected, double tail, double z, double variance, double shape = double.PositiveInfinity)
    {
        if (!double.IsFinite(expected) || expected < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expected), expected, "An expected count is finite and not negative.");
        }

        if (expected > ExactUpTo)
        {
            return Normal(expected, z, variance, skew: (z * z - 1) / 6);
        }

        // Walk up the distribution from P(X = 0): e^−λ for the Poisson (1e-174 at λ = 400: no
        // underflow), (r / (r + λ))^r for the negative binomial, which is larger. Each next term:
        // P(X = k) = P(X = k − 1) × λ / k, or × (k − 1 + r) / k × λ / (r + λ).
        var poisson = double.IsPositiveInfinity(shape);
        var probability = poisson ? Math.Exp(-expected) : Math.Exp(-shape * Math.Log(1 + (expected / shape)));
        var odds = poisson ? expected : expected * shape / (shape + expected); // λ, or r·λ / (r + λ), times (k − 1 + r) / r
        double Next(long k) => poisson ? expected / k : odds * (k - 1 + shape) / shape / k;
        var cumulative = probability;
        long low = -1;
        long k = 0;
        while (cumulative <= tail)
        {
            low = k;
            k++;
            probability *= Next(k);
            cumulative += probability;
        }

        // P(X ≥ k + 1) = 1 − P(X ≤ k): exact enough here, the tails asked for are ≥ 1e-9 against a rounding of ~1e-14.
        while (1 - cumulative > tail)
        {
            k++;
            probability *= Next(k);
            cumulative += probability;
        }

        return (low, k + 1);
    }
}
