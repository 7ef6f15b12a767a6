namespace Vigil.Core.Baselines;

/// <summary>
/// The range of values a series is expected to stay in at one instant: the seasonal center
/// widened on each side by the larger of k robust σ of that side (k from the
/// <see cref="AnomalySensitivity"/>), a minimum share of the center, and a minimum absolute
/// change. The minimum share keeps a nearly constant series (spread near 0) from flagging
/// noise; the absolute minimum does the same for series whose center is 0 (an error rate
/// that is usually 0).
/// </summary>
/// <param name="Lower">Values below it are anomalously low.</param>
/// <param name="Upper">Values above it are anomalously high.</param>
public readonly record struct AnomalyBand(double Lower, double Upper)
{
    /// <summary>How many robust standard deviations wide each side of the band is at a sensitivity.</summary>
    public static double SpreadMultiplier(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => 6,
        AnomalySensitivity.Medium => 4,
        AnomalySensitivity.High => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(sensitivity), sensitivity, "Unknown sensitivity."),
    };

    /// <summary>The smallest change, as a share of the center's magnitude, that counts as an anomaly at a sensitivity.</summary>
    public static double MinRelativeChange(AnomalySensitivity sensitivity) => sensitivity switch
    {
        AnomalySensitivity.Low => 0.35,
        AnomalySensitivity.Medium => 0.20,
        AnomalySensitivity.High => 0.10,
        _ => throw new ArgumentOutOfRangeException(nameof(sensitivity), sensitivity, "Unknown sensitivity."),
    };

    /// <summary>
    /// The band around <paramref name="baseline"/> at <paramref name="sensitivity"/>; no side is
    /// narrower than <paramref name="minAbsoluteChange"/> (in the series' unit, default 0).
    /// </summary>
    public static AnomalyBand Around(BaselineEstimate baseline, AnomalySensitivity sensitivity, double minAbsoluteChange = 0)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentOutOfRangeException.ThrowIfNegative(minAbsoluteChange);
        if (!double.IsFinite(minAbsoluteChange))
        {
            throw new ArgumentOutOfRangeException(nameof(minAbsoluteChange), minAbsoluteChange, "The minimum change must be finite.");
        }

        var k = SpreadMultiplier(sensitivity);
        var floor = Math.Max(MinRelativeChange(sensitivity) * Math.Abs(baseline.Center), minAbsoluteChange);
        return new AnomalyBand(
            baseline.Center - Math.Max(k * baseline.LowerSpread, floor),
            baseline.Center + Math.Max(k * baseline.UpperSpread, floor));
    }

    /// <summary>Whether <paramref name="value"/> is above the band.</summary>
    public bool IsAbove(double value) => value > Upper;

    /// <summary>Whether <paramref name="value"/> is below the band.</summary>
    public bool IsBelow(double value) => value < Lower;

    /// <summary>Whether <paramref name="value"/> is outside the band on either side.</summary>
    public bool IsOutside(double value) => value > Upper || value < Lower;
}
