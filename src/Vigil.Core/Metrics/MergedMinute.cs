namespace Vigil.Core.Metrics;

/// <summary>The merged state of several series over one minute (see <see cref="WindowAccumulator.ToMinute"/>).</summary>
internal sealed record MergedMinute(long MinuteStartMs, long Count, double Sum, double Min, double Max, double Last, long LastTimestampMs, long ErrorCount, uint[]? Bins);
