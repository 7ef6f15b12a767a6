namespace Vigil.Core.Metrics;

/// <summary>Who holds the series in memory: the count per owner (API key) and the rest.</summary>
/// <param name="Total">Series in memory.</param>
/// <param name="MaxSeries">The server-wide bound on them.</param>
/// <param name="Unowned">Series no owner holds.</param>
/// <param name="ByOwner">Series per owner, for owners holding any.</param>
public sealed record SeriesOwnership(int Total, int MaxSeries, int Unowned, IReadOnlyDictionary<string, int> ByOwner)
{
    /// <summary>The series <paramref name="owner"/> holds (0 when none).</summary>
    public int Of(string owner) => ByOwner.GetValueOrDefault(owner);
}
