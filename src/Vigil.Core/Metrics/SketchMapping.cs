namespace Vigil.Core.Metrics;

/// <summary>
/// The logarithmic bin mapping of Vigil's quantile sketch (the DDSketch construction):
/// a positive value <c>v</c> falls in bin <c>i = ceil(log_γ v)</c>, which covers
/// <c>(γ^(i-1), γ^i]</c>, and the bin is represented by <c>2γ^i / (γ + 1)</c>. With
/// <c>γ = (1 + α) / (1 - α)</c> every value in a bin is within relative error α of that
/// representative, so any quantile read from the bins is within α of the exact quantile.
/// </summary>
internal static class SketchMapping
{
    /// <summary>The relative accuracy α of every quantile: 1 %.</summary>
    public const double RelativeAccuracy = 0.01;

    /// <summary>Values at or below this (in the series' unit, milliseconds for timings) count as zero.</summary>
    public const double MinIndexableValue = 1e-6;

    /// <summary>The bin index reserved for zero (and values below <see cref="MinIndexableValue"/>).</summary>
    public const int ZeroIndex = -1024;

    /// <summary>The largest bin index (about 4.7e26); larger values are clamped into it.</summary>
    public const int MaxIndex = 3071;

    /// <summary>Number of distinct bin codes: a code is <c>index - ZeroIndex</c>, in [0, 4096).</summary>
    public const int CodeCount = MaxIndex - ZeroIndex + 1;

    /// <summary>Packed bins keep the code in the top 12 bits and the count in the low 20.</summary>
    public const int CountBits = 20;

    /// <summary>The largest count one packed entry holds; larger counts take several entries.</summary>
    public const uint MaxPackedCount = (1u << CountBits) - 1;

    public static readonly double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);

    private static readonly double InverseLnGamma = 1.0 / Math.Log(Gamma);

    /// <summary>The bin index of a non-negative value.</summary>
    public static int Index(double value)
    {
        if (!(value > MinIndexableValue))
        {
            return ZeroIndex;
        }

        var index = Math.Ceiling(Math.Log(value) * InverseLnGamma);
        return index >= MaxIndex ? MaxIndex : (int)index;
    }

    /// <summary>The bin code (index shifted to start at zero) of a non-negative value.</summary>
    public static int Code(double value) => Index(value) - ZeroIndex;

    /// <summary>The representative value of a bin code.</summary>
    public static double CodeValue(int code) => Value(code + ZeroIndex);

    /// <summary>Packs a bin code and a count (at most <see cref="MaxPackedCount"/>).</summary>
    public static uint Pack(int code, uint count) => ((uint)code << CountBits) | count;

    /// <summary>The bin code of a packed entry.</summary>
    public static int PackedCode(uint packed) => (int)(packed >> CountBits);

    /// <summary>The count of a packed entry.</summary>
    public static uint PackedCount(uint packed) => packed & MaxPackedCount;

    /// <summary>The representative value of a bin.</summary>
    public static double Value(int index) =>
        index == ZeroIndex ? 0 : 2 * Math.Pow(Gamma, index) / (Gamma + 1);
}
