using Vigil.Core.Metrics;

namespace Vigil.Storage.Metrics;

/// <summary>
/// The part of one series' minute that one process received and shipped to the others: merged
/// into what a process already has of that minute (<see cref="Rollup.Merge"/>), never replacing it.
/// </summary>
/// <param name="SeriesKey">Canonical series key <c>name{labels}</c>.</param>
/// <param name="Name">Metric name.</param>
/// <param name="Type">Metric type.</param>
/// <param name="Owner">The id of the API key that owns the series, or null.</param>
/// <param name="Rollup">The minute's points, as a rollup.</param>
public sealed record MetricPartial(string SeriesKey, string Name, MetricType Type, string? Owner, Rollup Rollup);
