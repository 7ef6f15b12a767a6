namespace Vigil.Core.Metrics;

/// <summary>What identifies a series: its metric name and labels.</summary>
/// <param name="Name">Metric name.</param>
/// <param name="Labels">Labels.</param>
internal readonly record struct SeriesId(string Name, LabelSet Labels);
