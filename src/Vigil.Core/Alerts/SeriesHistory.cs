using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>The stored history of one series: its labels and its 1-minute rollups, oldest first.</summary>
/// <param name="Labels">The series' labels.</param>
/// <param name="IsError">Whether its points count as errors (its <c>status</c> label).</param>
/// <param name="IsCounter">Whether it is a counter (rates count its sum, not its points).</param>
/// <param name="Rollups">Its rollups, ordered by minute.</param>
public sealed record SeriesHistory(LabelSet Labels, bool IsError, bool IsCounter, IReadOnlyList<Rollup> Rollups);
