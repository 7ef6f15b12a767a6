using System.ComponentModel.DataAnnotations;

namespace Vigil.Jobs.Retries;

/// <summary>
/// When a failed job runs again: exponential backoff with jitter, as data, so it can be set per
/// job type in configuration. The delay before attempt <c>n + 1</c> after <c>n</c> failures is
/// <c>min(MaxDelay, BaseDelay × Factor^(n − 1))</c>, shortened by up to <see cref="Jitter"/> of itself
/// at random so retries of many jobs that failed together spread out.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>The delay after the first failure.</summary>
    /// <value>5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How much each further failure multiplies the delay.</summary>
    /// <value>2.</value>
    [Range(1.0, 100.0)]
    public double Factor { get; set; } = 2.0;

    /// <summary>The longest delay between two attempts.</summary>
    /// <value>10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Attempts in all (the first run plus retries); after the last the job is dead-lettered.</summary>
    /// <value>4 (the first run and 3 retries).</value>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The share of a delay taken off at random, from 0 (exact schedule) to 1.</summary>
    /// <value>0.2.</value>
    [Range(0.0, 1.0)]
    public double Jitter { get; set; } = 0.2;

    /// <summary>The delay before the next attempt of a job that failed <paramref name="failedAttempts"/> times.</summary>
    /// <param name="failedAttempts">Failures so far, at least 1.</param>
    /// <param name="random">A uniform random number in [0, 1) that picks the jitter.</param>
    /// <returns>A delay within [d × (1 − <see cref="Jitter"/>), d] where d is the exponential schedule's.</returns>
    public TimeSpan GetDelay(int failedAttempts, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(random, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(random, 1.0);

        var scheduled = BaseDelay.TotalMilliseconds * Math.Pow(Factor, failedAttempts - 1);
        var capped = Math.Min(scheduled, MaxDelay.TotalMilliseconds);
        if (double.IsNaN(capped) || capped < 0)
        {
            capped = MaxDelay.TotalMilliseconds;
        }

        return TimeSpan.FromMilliseconds(Math.Floor(capped * (1.0 - (Jitter * random))));
    }
}
