using Vigil.Core.Metrics;

namespace Vigil.Server.Queries;

/// <summary>The answer of <c>GET /api/v1/series</c>.</summary>
/// <param name="Metric">The metric name.</param>
/// <param name="Agg">The aggregation.</param>
/// <param name="From">Start of the range (inclusive).</param>
/// <param name="To">End of the range (exclusive).</param>
/// <param name="Step">Step in seconds, or null for one point over the range.</param>
/// <param name="Series">One entry per label set.</param>
public sealed record SeriesResponse(string Metric, string Agg, DateTimeOffset From, DateTimeOffset To, double? Step, IReadOnlyList<SeriesData> Series);
