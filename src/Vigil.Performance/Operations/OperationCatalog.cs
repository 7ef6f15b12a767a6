using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Vigil.Core.Metrics;

namespace Vigil.Performance.Operations;

/// <summary>
/// An operation: one endpoint or job, whichever series (status codes, hosts) its timings arrive in.
/// </summary>
/// <param name="Id">A stable id: 16 hex digits of a hash of the kind, service and identifying labels (the same on every node and after a restart).</param>
/// <param name="Kind">The source's kind (<c>route</c>, <c>job</c>, …).</param>
/// <param name="Metric">The timing metric.</param>
/// <param name="Service">The <c>service</c> label, or null.</param>
/// <param name="Name">The identifying label values in the source's order (<c>GET /api/orders</c>).</param>
/// <param name="Labels">The identifying labels that are present (and <c>service</c>), by name.</param>
public sealed record OperationKey(string Id, string Kind, string Metric, string? Service, string Name, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The labels as a JSON object (how they are stored).</summary>
    public string LabelsJson => JsonSerializer.Serialize(Labels);
}

/// <summary>
/// Tells which operation a series belongs to, by the configured sources
/// (<see cref="PerformanceOptions.Sources"/>): a series of a source's metric that has the source's
/// last label is an operation identified by the labels present among the source's and
/// <c>service</c>. Keys are cached per label set, so a series is looked at once.
/// </summary>
public sealed class OperationCatalog
{
    private const string ServiceLabel = "service";
    private const int MaxCached = 200_000;
    private readonly Dictionary<string, OperationSource> _byMetric;
    private readonly Dictionary<(string Metric, LabelSet Labels), OperationKey?> _keys = [];
    private readonly Lock _lock = new();

    /// <summary>A catalog of <paramref name="sources"/>.</summary>
    public OperationCatalog(IEnumerable<OperationSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _byMetric = sources.ToDictionary(s => s.Metric, StringComparer.Ordinal);
    }

    /// <summary>The metrics operations come from.</summary>
    public IReadOnlyCollection<string> Metrics => _byMetric.Keys;

    /// <summary>The kinds of operation, in the sources' order.</summary>
    public IReadOnlyList<string> Kinds => [.. _byMetric.Values.Select(s => s.Kind)];

    /// <summary>The source of <paramref name="metric"/>, or null when its series are not operations.</summary>
    public OperationSource? SourceOf(string metric) => _byMetric.GetValueOrDefault(metric);

    /// <summary>
    /// The in-memory series of every operation (or only of <paramref name="onlyId"/>): an operation's
    /// executions arrive in several series (status codes, versions, hosts).
    /// </summary>
    public IReadOnlyList<(OperationKey Key, IReadOnlyList<MetricSeries> Series)> SeriesByOperation(MetricStore store, string? onlyId = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        var byId = new Dictionary<string, (OperationKey Key, List<MetricSeries> Series)>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
        {
            if (store.Family(metric) is not { } family)
            {
                continue;
            }

            foreach (var series in family.Series.ToArray())
            {
                if (KeyOf(metric, series.Labels) is { } key && (onlyId is null || key.Id == onlyId))
                {
                    if (!byId.TryGetValue(key.Id, out var entry))
                    {
                        byId[key.Id] = entry = (key, []);
                    }

                    entry.Series.Add(series);
                }
            }
        }

        return [.. byId.Values.Select(e => (e.Key, (IReadOnlyList<MetricSeries>)e.Series))];
    }

    /// <summary>The operation a series of <paramref name="metric"/> with <paramref name="labels"/> belongs to, or null.</summary>
    public OperationKey? KeyOf(string metric, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(labels);
        if (!_byMetric.TryGetValue(metric, out var source))
        {
            return null;
        }

        lock (_lock)
        {
            if (!_keys.TryGetValue((metric, labels), out var key))
            {
                if (_keys.Count >= MaxCached)
                {
                    _keys.Clear(); // series come and go: start over rather than grow without bound
                }

                key = Build(source, labels);
                _keys[(metric, labels)] = key;
            }

            return key;
        }
    }

    private static OperationKey? Build(OperationSource source, LabelSet labels)
    {
        if (source.Labels.Count == 0 || string.IsNullOrEmpty(labels[source.Labels[^1]]))
        {
            return null;
        }

        var present = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var name = new StringBuilder();
        foreach (var label in source.Labels)
        {
            if (labels[label] is { Length: > 0 } value)
            {
                present[label] = value;
                name.Append(name.Length == 0 ? "" : " ").Append(value);
            }
        }

        var service = labels[ServiceLabel] is { Length: > 0 } s ? s : null;
        if (service is not null)
        {
            present[ServiceLabel] = service;
        }

        // The id hashes the kind and the labels (sorted, length-prefixed, so no two sets collide by concatenation).
        var identity = new StringBuilder(source.Kind.Length + 64).Append(source.Kind.Length).Append(':').Append(source.Kind);
        foreach (var (label, value) in present)
        {
            identity.Append(label.Length).Append(':').Append(label).Append(value.Length).Append(':').Append(value);
        }

        var hash = XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(identity.ToString()));
        return new OperationKey(hash.ToString("x16", CultureInfo.InvariantCulture), source.Kind, source.Metric, service, name.ToString(), present);
    }
}
