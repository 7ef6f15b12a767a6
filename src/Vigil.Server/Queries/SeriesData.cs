using Vigil.Core.Metrics;

namespace Vigil.Server.Queries;

/// <summary>One series of a query answer.</summary>
/// <param name="Labels">The labels.</param>
/// <param name="Points"><c>[unixSeconds, value]</c> pairs; the time is the start of each window. Windows without data are left out.</param>
public sealed record SeriesData(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<double[]> Points);
