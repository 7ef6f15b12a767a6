namespace Vigil.Core.Baselines;

/// <summary>How an anomaly threshold weighs the evidence (see <c>AlertRule.AnomalyMethod</c>).</summary>
public enum AnomalyMethod
{
    /// <summary>The window's value against a band around the seasonal baseline: the default, for every aggregation.</summary>
    Band,

    /// <summary>
    /// Each minute's requests (or server errors) against the usual rate for the minute, summed as
    /// evidence until it shows a change beyond chance (<c>SequentialTest</c>): request rates and
    /// error rates only.
    /// </summary>
    Sequential,
}
