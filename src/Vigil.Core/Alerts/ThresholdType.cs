namespace Vigil.Core.Alerts;

/// <summary>What the threshold of a rule is measured against.</summary>
public enum ThresholdType
{
    /// <summary>A fixed value.</summary>
    Static,

    /// <summary>The seasonal baseline (this hour of the week, as of now) × <c>baselineMultiplier</c>.</summary>
    Dynamic,

    /// <summary>The change in percent from the seasonal baseline.</summary>
    PercentChange,

    /// <summary>A band around the seasonal baseline, as wide as its robust spread at a <c>sensitivity</c>: no number to choose.</summary>
    Anomaly,
}
