namespace Vigil.Core.Baselines;

/// <summary>Which slice of the history a <see cref="BaselineEstimate"/> was computed from.</summary>
public enum BaselineLevel
{
    /// <summary>The same hour of the week (for example every Monday 09:00–10:00): the preferred level.</summary>
    HourOfWeek,

    /// <summary>The same hour of the day on any day, when the hour of the week has too little history.</summary>
    HourOfDay,

    /// <summary>All of the history, when even the hour of the day has too little.</summary>
    Flat,
}
