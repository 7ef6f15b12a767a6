namespace Vigil.Storage.Monitors;

/// <summary>A monitor's checks over one period, maintenance left out.</summary>
/// <param name="Checks">Checks outside maintenance windows.</param>
/// <param name="Down">Of them, those that failed.</param>
/// <param name="AverageResponseMs">The mean response time of the checks that got an answer; null when none did.</param>
public sealed record UptimeFigures(long Checks, long Down, double? AverageResponseMs)
{
    /// <summary>The share of checks that were not down, in percent; null without checks.</summary>
    public double? Percent => Checks == 0 ? null : Math.Round(100.0 * (Checks - Down) / Checks, 3);
}
