namespace Vigil.Core.Baselines;

/// <summary>
/// What a series usually does at one instant, as of that instant: the robust center and
/// spread of the observations of the level used (the same hour of the week, else of the day,
/// else all history), with how many observations and which period they came from.
/// </summary>
/// <param name="Center">The median of the observations: the expected value.</param>
/// <param name="Spread">The median absolute deviation from the center × 1.4826: a standard deviation that outliers do not inflate.</param>
/// <param name="LowerSpread">As <paramref name="Spread"/>, over the observations at or below the center only (skewed series, such as latencies, spread further up than down).</param>
/// <param name="UpperSpread">As <paramref name="Spread"/>, over the observations at or above the center only.</param>
/// <param name="SampleCount">How many observations the estimate is computed from.</param>
/// <param name="Occurrences">How many distinct hours (past occurrences of the slot: weeks for <see cref="BaselineLevel.HourOfWeek"/>, days for <see cref="BaselineLevel.HourOfDay"/>, hours for <see cref="BaselineLevel.Flat"/>) they came from.</param>
/// <param name="Level">The slice of history used.</param>
/// <param name="Slot">The hour of the week (0 = Monday 00:00–01:00 in the baseline's time zone … 167), of the day (0–23), or 0 for <see cref="BaselineLevel.Flat"/>.</param>
/// <param name="CoveredFromMs">Timestamp of the oldest observation used, Unix milliseconds.</param>
/// <param name="CoveredToMs">Timestamp of the newest observation used, Unix milliseconds.</param>
public sealed record BaselineEstimate(
    double Center,
    double Spread,
    double LowerSpread,
    double UpperSpread,
    int SampleCount,
    int Occurrences,
    BaselineLevel Level,
    int Slot,
    long CoveredFromMs,
    long CoveredToMs)
{
    /// <summary>
    /// The change of <paramref name="current"/> against the center in percent (+50 is 1.5× the
    /// center, −75 a quarter of it); null when the center is 0, where no percentage exists.
    /// </summary>
    public double? PercentChange(double current) =>
        Center == 0 || !double.IsFinite(current) ? null : 100 * (current - Center) / Math.Abs(Center);

    /// <summary>The anomaly band at <paramref name="sensitivity"/> (see <see cref="AnomalyBand.Around"/>).</summary>
    public AnomalyBand Band(AnomalySensitivity sensitivity, double minAbsoluteChange = 0) =>
        AnomalyBand.Around(this, sensitivity, minAbsoluteChange);
}
