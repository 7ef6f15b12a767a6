namespace Vigil.Core.Baselines;

/// <summary>
/// How readily an anomaly threshold fires: how many robust standard deviations a value must
/// stray from the seasonal center, and by at least what share of the center
/// (<see cref="AnomalyBand.SpreadMultiplier"/>, <see cref="AnomalyBand.MinRelativeChange"/>).
/// </summary>
public enum AnomalySensitivity
{
    /// <summary>6 robust σ and at least 35 %: only large departures.</summary>
    Low,

    /// <summary>4 robust σ and at least 20 %: the default.</summary>
    Medium,

    /// <summary>3 robust σ and at least 10 %: catches smaller changes, fires more often on noise.</summary>
    High,
}
