using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>Whether a rule's condition holds for one group.</summary>
public enum ConditionState
{
    /// <summary>The condition holds.</summary>
    Met,

    /// <summary>The condition does not hold.</summary>
    NotMet,

    /// <summary>Too few points in the window (or no baseline / previous window): neither firing nor resolved.</summary>
    NotEnoughData,
}
