namespace Vigil.Core.Alerts;

/// <summary>How a rule's aggregate is compared with its threshold.</summary>
public enum Comparison
{
    /// <summary><c>greater_than</c>.</summary>
    GreaterThan,

    /// <summary><c>less_than</c>.</summary>
    LessThan,

    /// <summary><c>equal</c>.</summary>
    Equal,

    /// <summary><c>greater_or_equal</c>.</summary>
    GreaterOrEqual,

    /// <summary><c>less_or_equal</c>.</summary>
    LessOrEqual,
}
