namespace Vigil.Core.Alerts;

/// <summary>What the threshold of a rule is measured against.</summary>
public enum ThresholdType
{
    /// <summary>A fixed value.</summary>
    Static,

    /// <summary>The baseline over the last <c>baselineDays</c> × <c>baselineMultiplier</c>.</summary>
    Dynamic,

    /// <summary>Percent change against the previous window of the same length.</summary>
    PercentChange,
}
