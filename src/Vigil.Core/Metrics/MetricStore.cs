using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Vigil.Core.Metrics;

/// <summary>
/// Every series in memory, found by key or by metric name, with the series count bounded by
/// <see cref="MetricsOptions.MaxSeries"/>. Batches are applied whole or not at all.
/// </summary>
public sealed class MetricStore
{
    private readonly ConcurrentQueue<MetricSeries> _toShip = new();
    private readonly ConcurrentDictionary<SeriesId, MetricSeries> _byKey = new();
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<int>> _owned = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, Backfill> _backfills = new(StringComparer.Ordinal);
    private int _seriesCount;
    private int _ownSeriesCount;
    private long _refusedSeries;
    private long _ingestedPoints;
    private long _evictedSeries;

    /// <summary>Creates a store.</summary>
    public MetricStore(MetricsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        Options = options;
        _time = time;
    }

    /// <summary>The options in force.</summary>
    public MetricsOptions Options { get; }

    /// <summary>
    /// The prefix of Vigil's own metric names (ingest refuses it). Series created in process under
    /// it (<see cref="GetOrCreate(string, LabelSet, MetricType)"/>) are Vigil's own: they never count
    /// against <see cref="MetricsOptions.MaxSeries"/>, and are never refused for it, so a user
    /// filling the bound neither loses Vigil's self-monitoring nor pays for it. Their labels are
    /// bounded by the code that records them.
    /// </summary>
    public const string OwnPrefix = "vigil_";

    /// <summary>Number of series held that count against <see cref="MetricsOptions.MaxSeries"/> (all but Vigil's own).</summary>
    public int SeriesCount => Volatile.Read(ref _seriesCount);

    /// <summary>Number of Vigil's own series held (see <see cref="OwnPrefix"/>).</summary>
    public int OwnSeriesCount => Volatile.Read(ref _ownSeriesCount);

    /// <summary>Whether a metric name is one of Vigil's own (<see cref="OwnPrefix"/>).</summary>
    public static bool IsOwnMetric(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.StartsWith(OwnPrefix, StringComparison.Ordinal);
    }

    /// <summary>Number of series held that <paramref name="owner"/> created (see <see cref="SeriesQuota"/>).</summary>
    public int SeriesOwnedBy(string owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return _owned.TryGetValue(owner, out var count) ? Volatile.Read(ref count.Value) : 0;
    }

    /// <summary>
    /// Who holds the series in memory: per owner (API key), and those no owner holds (created
    /// before quotas, or by requests without a key).
    /// </summary>
    public SeriesOwnership Ownership()
    {
        var owned = SeriesByOwner();
        var total = SeriesCount;
        return new SeriesOwnership(total, Options.MaxSeries, Math.Max(0, total - owned.Values.Sum()), owned);
    }

    /// <summary>The number of series held per owner, for owners holding any.</summary>
    public IReadOnlyDictionary<string, int> SeriesByOwner() =>
        _owned.Select(o => (o.Key, Count: Volatile.Read(ref o.Value.Value))).Where(o => o.Count > 0).ToDictionary(o => o.Key, o => o.Count, StringComparer.Ordinal);

    /// <summary>New series refused because the series bound was reached (monotonic).</summary>
    public long RefusedSeries => Interlocked.Read(ref _refusedSeries);

    /// <summary>Points recorded (monotonic).</summary>
    public long IngestedPoints => Interlocked.Read(ref _ingestedPoints);

    /// <summary>The families (metric names) held, in no particular order.</summary>
    public ICollection<MetricFamily> Families => _families.Values;

    /// <summary>The family of a metric name, if any series of it exists.</summary>
    public MetricFamily? Family(string name) => _families.GetValueOrDefault(name);

    /// <summary>A series by its canonical key.</summary>
    public MetricSeries? Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var brace = key.IndexOf('{', StringComparison.Ordinal);
        return Find(brace < 0 ? key : key[..brace], LabelSet.ParseKeyLabels(key));
    }

    /// <summary>A series by name and labels.</summary>
    public MetricSeries? Find(string name, LabelSet labels) => _byKey.GetValueOrDefault(new SeriesId(name, labels));

    /// <summary>The current time in Unix milliseconds, from the store's clock.</summary>
    public long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// When points of <paramref name="metric"/> older than the in-memory horizon were last accepted
    /// by this process (a backfill, or a sender that buffered: their rollups are merged into the
    /// stored past) and the newest of them then, or null: the rules and detectors that learnt from
    /// that part of the stored past read it again.
    /// </summary>
    public Backfill? LastBackfill(string metric) => _backfills.TryGetValue(metric, out var backfill) ? backfill : null;

    /// <summary>
    /// Records a batch, all or nothing: if any point names a metric under another type, or the
    /// batch would create more series than the bound allows, nothing is recorded.
    /// </summary>
    public IngestOutcome Ingest(IReadOnlyList<MetricPoint> points) => Ingest(points, long.MinValue);

    /// <summary>
    /// Records a batch, all or nothing, except that points older than
    /// <paramref name="memoryHorizonMs"/> are not recorded in memory: their series are
    /// created and they are returned in <see cref="IngestOutcome.LatePoints"/> for the caller
    /// to merge into the persisted rollups.
    /// </summary>
    public IngestOutcome Ingest(IReadOnlyList<MetricPoint> points, long memoryHorizonMs)
    {
        var outcome = Prepare(points, memoryHorizonMs);
        outcome.Commit();
        return outcome;
    }

    /// <summary>
    /// Checks a batch and resolves (creating where allowed) its series without recording
    /// anything; <see cref="IngestOutcome.Commit"/> records it. Lets a caller persist the late
    /// points first, so a failure there leaves nothing half-recorded.
    /// </summary>
    public IngestOutcome Prepare(IReadOnlyList<MetricPoint> points, long memoryHorizonMs) => Prepare(points, memoryHorizonMs, null);

    /// <summary>
    /// As <see cref="Prepare(IReadOnlyList{MetricPoint}, long)"/>, with the series the batch
    /// creates owned by <paramref name="quota"/>'s owner and refused, whole, past its quota
    /// (<see cref="IngestOutcome.OverQuota"/>).
    /// </summary>
    public IngestOutcome Prepare(IReadOnlyList<MetricPoint> points, long memoryHorizonMs, SeriesQuota? quota)
    {
        ArgumentNullException.ThrowIfNull(points);
        var series = new MetricSeries?[points.Count];
        List<int>? creating = null;
        List<IngestError>? errors = null;
        HashSet<SeriesId>? newKeys = null;
        var keys = new SeriesId[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            if (_families.TryGetValue(point.Name, out var family) && family.Type != point.Type)
            {
                (errors ??= []).Add(new IngestError(i, "type",
                    $"metric '{point.Name}' is a {family.Type.ToWire()}, not a {point.Type.ToWire()}"));
                continue;
            }

            keys[i] = new SeriesId(point.Name, point.Labels);
            series[i] = _byKey.GetValueOrDefault(keys[i]);
            if (series[i] is null)
            {
                (creating ??= []).Add(i);
                (newKeys ??= []).Add(keys[i]);
            }
        }

        if (errors is not null)
        {
            return IngestOutcome.Invalid(errors);
        }

        // Two points of one new metric name in one batch must agree on the type too.
        if (creating is not null)
        {
            var typeByName = new Dictionary<string, MetricType>(StringComparer.Ordinal);
            foreach (var i in creating)
            {
                if (typeByName.TryGetValue(points[i].Name, out var type) && type != points[i].Type)
                {
                    (errors ??= []).Add(new IngestError(i, "type",
                        $"metric '{points[i].Name}' is a {type.ToWire()} earlier in this batch, not a {points[i].Type.ToWire()}"));
                }

                typeByName.TryAdd(points[i].Name, points[i].Type);
            }

            if (errors is not null)
            {
                return IngestOutcome.Invalid(errors);
            }

            if (quota is not null && !TryReserveOwned(quota, newKeys!.Count))
            {
                return IngestOutcome.QuotaReached(creating, quota);
            }

            if (!TryReserve(newKeys!.Count))
            {
                ReleaseOwned(quota?.Owner, newKeys.Count);
                Interlocked.Add(ref _refusedSeries, newKeys.Count);
                return IngestOutcome.TooManySeries(creating, Options.MaxSeries);
            }

            var unused = newKeys.Count;
            foreach (var i in creating)
            {
                if (series[i] is not null)
                {
                    continue;
                }

                var point = points[i];
                var family = _families.GetOrAdd(point.Name, static (name, type) => new MetricFamily(name, type), point.Type);
                if (family.Type != point.Type)
                {
                    // Another batch created this name with another type a moment ago.
                    Interlocked.Add(ref _seriesCount, -unused);
                    ReleaseOwned(quota?.Owner, unused);
                    return IngestOutcome.Invalid([new IngestError(i, "type",
                        $"metric '{point.Name}' is a {family.Type.ToWire()}, not a {point.Type.ToWire()}")]);
                }

                var created = GetOrAddSeries(keys[i], point, family, quota?.Owner, own: false, out var added);
                if (added)
                {
                    unused--;
                }

                for (var j = i; j < points.Count; j++)
                {
                    if (series[j] is null && keys[j] == keys[i])
                    {
                        series[j] = created;
                    }
                }
            }

            if (unused > 0)
            {
                Interlocked.Add(ref _seriesCount, -unused);
                ReleaseOwned(quota?.Owner, unused);
            }
        }

        List<(MetricSeries, MetricPoint)>? late = null;
        for (var i = 0; i < points.Count; i++)
        {
            if (points[i].TimestampMs < memoryHorizonMs)
            {
                (late ??= []).Add((series[i]!, points[i]));
            }
        }

        return IngestOutcome.Accepted(points.Count, late, () =>
        {
            for (var i = 0; i < points.Count; i++)
            {
                if (points[i].TimestampMs >= memoryHorizonMs)
                {
                    if (!series[i]!.Record(points[i].Value, points[i].TimestampMs, points[i].Count))
                    {
                        // Evicted as idle (or dropped) between Prepare and Commit: bring it back (past the bound if need be).
                        series[i] = Revive(keys[i], points[i], series[i]!.Owner, series[i]!.IsOwn);
                        series[i]!.Record(points[i].Value, points[i].TimestampMs, points[i].Count);
                    }
                }
            }

            if (late is not null)
            {
                // Stored into the past by now (the caller persists late points before it commits): readers that learnt from that past may read it again.
                var nowMs = NowMs;
                foreach (var (lateSeries, point) in late)
                {
                    _backfills.AddOrUpdate(
                        lateSeries.Name,
                        static (_, arg) => new Backfill(arg.NowMs, arg.PointMs),
                        static (_, was, arg) => new Backfill(arg.NowMs, arg.NowMs - was.AtMs < Backfill.SettleMs ? Math.Max(was.NewestMs, arg.PointMs) : arg.PointMs),
                        (NowMs: nowMs, PointMs: point.TimestampMs));
                }
            }

            Interlocked.Add(ref _ingestedPoints, points.Count); // points as sent, not the observations they stand for
        });
    }

    /// <summary>
    /// The series of a name and labels, created if the bound allows; null when it is refused
    /// (another type under that name, or the bound reached). For in-process recording.
    /// </summary>
    public MetricSeries? GetOrCreate(string name, LabelSet labels, MetricType type) => GetOrCreate(name, labels, type, null);

    /// <summary>
    /// As <see cref="GetOrCreate(string, LabelSet, MetricType)"/>, a series created here owned by
    /// <paramref name="owner"/> (counted against it, not checked against its quota: for series
    /// restored from storage).
    /// </summary>
    public MetricSeries? GetOrCreate(string name, LabelSet labels, MetricType type, string? owner)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(labels);
        var key = new SeriesId(name, labels);
        if (_byKey.TryGetValue(key, out var existing))
        {
            return existing.Type == type ? existing : null;
        }

        if (_families.TryGetValue(name, out var known) && known.Type != type)
        {
            return null;
        }

        var own = IsOwnMetric(name);
        if (own)
        {
            Interlocked.Increment(ref _ownSeriesCount);
        }
        else if (!TryReserve(1))
        {
            Interlocked.Increment(ref _refusedSeries);
            return null;
        }

        var family = _families.GetOrAdd(name, static (n, t) => new MetricFamily(n, t), type);
        if (family.Type != type)
        {
            Interlocked.Decrement(ref CountOf(own));
            return null;
        }

        var series = GetOrAddSeries(key, new MetricPoint(name, type, 0, labels, 0), family, owner, own, out var added);
        if (!added)
        {
            Interlocked.Decrement(ref CountOf(own));
        }
        else
        {
            AddOwned(owner, 1);
        }

        return series;
    }

    /// <summary>
    /// Whether the processes sharing a database also share their aggregates: each series keeps
    /// the points recorded here until they are shipped (<see cref="MetricSeries.TakeUnshippedRollups"/>).
    /// Set once, before the first series is created.
    /// </summary>
    public bool SharesAggregates { get; set; }

    /// <summary>
    /// The series that recorded points since they were last shipped (each once), emptied here:
    /// take each one's points with <see cref="MetricSeries.TakeUnshippedRollups"/>.
    /// </summary>
    public List<MetricSeries> TakeSeriesToShip()
    {
        var series = new List<MetricSeries>();
        while (_toShip.TryDequeue(out var next))
        {
            series.Add(next);
        }

        return series;
    }

    /// <summary>Records a value into a series at the store clock's "now" (Vigil's own metrics; not counted as ingested).</summary>
    public void Record(MetricSeries series, double value)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!series.Record(value, NowMs) && GetOrCreate(series.Name, series.Labels, series.Type) is { } current)
        {
            current.Record(value, NowMs);
        }
    }

    /// <summary>
    /// The start of the in-memory window: the first whole minute within the retention. Points
    /// before it belong to the persisted rollups alone.
    /// </summary>
    public long MemoryHorizonMs
    {
        get
        {
            var edge = NowMs - (long)Options.InMemoryRetention.TotalMilliseconds;
            return edge - (edge % 60_000) + 60_000;
        }
    }

    /// <summary>Drops buckets older than the in-memory window from every series.</summary>
    /// <summary>Series evicted for being idle (monotonic).</summary>
    public long EvictedSeries => Interlocked.Read(ref _evictedSeries);

    /// <summary>
    /// Drops buckets older than the in-memory window from every series, and evicts the series
    /// left with nothing (idle for the whole window, every minute written): they no longer
    /// count against <see cref="MetricsOptions.MaxSeries"/>. Their history stays in the rollups.
    /// </summary>
    public void Prune()
    {
        var horizon = MemoryHorizonMs;
        foreach (var (key, series) in _byKey)
        {
            series.Prune(horizon);
            if (series.TryEvict(horizon) && _byKey.TryRemove(new KeyValuePair<SeriesId, MetricSeries>(key, series)))
            {
                _families.GetValueOrDefault(series.Name)?.Remove(series);
                Interlocked.Decrement(ref CountOf(series.IsOwn));
                ReleaseOwned(series.Owner, 1);
                Interlocked.Increment(ref _evictedSeries);
            }
        }
    }

    /// <summary>
    /// Drops series from memory at once, whatever their data: they no longer count against the
    /// bound nor their owner's quota. A point sent to one later creates it anew. Returns how
    /// many were held.
    /// </summary>
    public int Drop(IEnumerable<MetricSeries> series)
    {
        ArgumentNullException.ThrowIfNull(series);
        var dropped = 0;
        foreach (var s in series)
        {
            if (_byKey.TryRemove(new KeyValuePair<SeriesId, MetricSeries>(new SeriesId(s.Name, s.Labels), s)))
            {
                s.Drop();
                _families.GetValueOrDefault(s.Name)?.Remove(s);
                Interlocked.Decrement(ref CountOf(s.IsOwn));
                ReleaseOwned(s.Owner, 1);
                dropped++;
            }
        }

        return dropped;
    }

    private MetricSeries Revive(SeriesId key, MetricPoint point, string? owner, bool own)
    {
        Interlocked.Increment(ref CountOf(own));
        var family = _families.GetOrAdd(point.Name, static (name, type) => new MetricFamily(name, type), point.Type);
        var series = GetOrAddSeries(key, point, family, owner, own, out var added);
        if (!added)
        {
            Interlocked.Decrement(ref CountOf(own));
        }
        else
        {
            AddOwned(owner, 1);
        }

        return series;
    }

    private bool TryReserveOwned(SeriesQuota quota, int count)
    {
        var owned = _owned.GetOrAdd(quota.Owner, static _ => new StrongBox<int>());
        while (true)
        {
            var current = Volatile.Read(ref owned.Value);
            if (current + count > quota.MaxSeries)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref owned.Value, current + count, current) == current)
            {
                return true;
            }
        }
    }

    private void AddOwned(string? owner, int count)
    {
        if (owner is not null)
        {
            Interlocked.Add(ref _owned.GetOrAdd(owner, static _ => new StrongBox<int>()).Value, count);
        }
    }

    private void ReleaseOwned(string? owner, int count)
    {
        if (owner is not null && count > 0 && _owned.TryGetValue(owner, out var owned))
        {
            Interlocked.Add(ref owned.Value, -count);
        }
    }

    /// <summary>Every series held.</summary>
    public IEnumerable<MetricSeries> AllSeries => _byKey.Values;

    private bool TryReserve(int count)
    {
        while (true)
        {
            var current = Volatile.Read(ref _seriesCount);
            if (current + count > Options.MaxSeries)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _seriesCount, current + count, current) == current)
            {
                return true;
            }
        }
    }

    private ref int CountOf(bool own) => ref own ? ref _ownSeriesCount : ref _seriesCount;

    private MetricSeries GetOrAddSeries(SeriesId key, MetricPoint point, MetricFamily family, string? owner, bool own, out bool added)
    {
        // The family's name instance is shared by all its series.
        var candidate = new MetricSeries(family.Name, point.Labels, point.Type, MetricsOptions.BucketSize) { Owner = owner, IsOwn = own, ShipQueue = SharesAggregates ? _toShip : null };
        var series = _byKey.GetOrAdd(key, candidate);
        added = ReferenceEquals(series, candidate);
        if (added)
        {
            family.Add(series);
        }

        return series;
    }
}

/// <summary>
/// Points accepted into a metric's stored past: when the last were (<paramref name="AtMs"/>), and the
/// newest of those accepted with less than <see cref="SettleMs"/> between batches (one backfill, sent
/// in many batches, in any order: <paramref name="NewestMs"/>).
/// </summary>
/// <param name="AtMs">When the last were accepted (Unix ms).</param>
/// <param name="NewestMs">The newest point's timestamp of the backfill (Unix ms).</param>
public readonly record struct Backfill(long AtMs, long NewestMs)
{
    /// <summary>How long a backfill is taken to go on after its last batch: readers wait this long before they read it.</summary>
    public const long SettleMs = 60_000;

    /// <summary>Whether it came at <paramref name="sinceMs"/> or later and none has come for <see cref="SettleMs"/> at <paramref name="nowMs"/>: a reader that last read at <paramref name="sinceMs"/> reads it now.</summary>
    public bool SettledSince(long sinceMs, long nowMs) => AtMs >= sinceMs && nowMs - AtMs >= SettleMs;
}
