namespace Vigil.Core;

/// <summary>
/// Integer division rounded toward negative infinity: the index of the minute, quarter-hour or
/// hour that holds a timestamp, before 1970 as after (C#'s <c>/</c> rounds toward zero).
/// </summary>
public static class FloorDivision
{
    /// <summary><paramref name="value"/> ÷ <paramref name="divisor"/> (positive), rounded down.</summary>
    public static long Of(long value, long divisor)
    {
        var quotient = Math.DivRem(value, divisor, out var remainder);
        return remainder < 0 ? quotient - 1 : quotient;
    }
}
