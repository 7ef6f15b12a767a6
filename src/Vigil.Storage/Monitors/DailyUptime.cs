namespace Vigil.Storage.Monitors;

/// <summary>A monitor's checks over one UTC day, maintenance left out.</summary>
/// <param name="DayStartMs">Midnight UTC of the day (Unix ms).</param>
/// <param name="Checks">Checks outside maintenance windows.</param>
/// <param name="Down">Of them, those that failed.</param>
public sealed record DailyUptime(long DayStartMs, long Checks, long Down);
