using System.IO.Hashing;
using System.Text;

namespace Vigil.Otlp.Traces;

/// <summary>
/// Which traces the store keeps: a share of all traces decided from the trace id alone
/// (<see cref="TraceOptions.SamplePercent"/>: every span of a trace, from any service and any
/// export, gets the same answer), plus — whatever the share says — a trace with an error span
/// and a trace with a transaction above its route's recent 95th percentile. Such a trace
/// stays kept for a while, so its spans in later exports are kept too (spans of it that came
/// earlier and were not sampled are gone).
/// </summary>
internal sealed class TraceSampler
{
    private const int RecentPerRoute = 100;
    private const int MaxRoutes = 10_000;
    private const int MaxKeptTraces = 100_000;
    private static readonly TimeSpan KeepFor = TimeSpan.FromMinutes(10);

    private readonly TraceOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, RecentDurations> _routes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _kept = new(StringComparer.Ordinal);
    private readonly Queue<(string TraceId, long UntilMs)> _keptOrder = new();

    public TraceSampler(TraceOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    /// <summary>Whether the head-based share takes this trace (the same answer for the same id, always).</summary>
    public static bool Sampled(string traceId, double percent)
    {
        if (percent >= 100)
        {
            return true;
        }

        var hash = XxHash64.HashToUInt64(Encoding.ASCII.GetBytes(traceId));
        return (hash >> 11) * (1.0 / (1UL << 53)) * 100 < percent;
    }

    /// <summary>The spans of the traces to keep.</summary>
    public IReadOnlyList<TraceSpan> Keep(IReadOnlyList<TraceSpan> spans)
    {
        var kept = new List<TraceSpan>();
        lock (_lock)
        {
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            Expire(nowMs);
            foreach (var trace in spans.GroupBy(s => s.TraceId, StringComparer.Ordinal))
            {
                var reason = Reason(trace.Key, [.. trace]);
                if (reason is null)
                {
                    continue;
                }

                kept.AddRange(trace);
                if (reason is "error" or "slow" && !_kept.ContainsKey(trace.Key) && _kept.Count < MaxKeptTraces)
                {
                    var until = nowMs + (long)KeepFor.TotalMilliseconds;
                    _kept[trace.Key] = until;
                    _keptOrder.Enqueue((trace.Key, until));
                }
            }
        }

        return kept;
    }

    /// <summary>Why a trace is kept (<c>sampled</c>, <c>kept</c> before, <c>error</c>, <c>slow</c>), or null.</summary>
    private string? Reason(string traceId, List<TraceSpan> spans)
    {
        // Every transaction counts in its route's recent durations, judged before it is added.
        var slow = false;
        foreach (var span in spans.Where(s => s.IsTransaction))
        {
            var key = span.Service + "\u001f" + span.Route;
            if (!_routes.TryGetValue(key, out var recent))
            {
                if (_routes.Count >= MaxRoutes)
                {
                    continue;
                }

                _routes[key] = recent = new RecentDurations();
            }

            slow |= recent.Count >= _options.SlowAfterTransactions && span.DurationMs > recent.P95();
            recent.Add(span.DurationMs);
        }

        return Sampled(traceId, _options.SamplePercent) ? "sampled"
            : _kept.ContainsKey(traceId) ? "kept"
            : _options.KeepErrors && spans.Any(s => s.IsError) ? "error"
            : _options.KeepSlowest && slow ? "slow"
            : null;
    }

    private void Expire(long nowMs)
    {
        while (_keptOrder.TryPeek(out var oldest) && oldest.UntilMs <= nowMs)
        {
            _keptOrder.Dequeue();
            _kept.Remove(oldest.TraceId);
        }
    }

    /// <summary>The last <see cref="RecentPerRoute"/> durations of a route.</summary>
    private sealed class RecentDurations
    {
        private readonly double[] _values = new double[RecentPerRoute];
        private int _next;

        public int Count { get; private set; }

        public void Add(double value)
        {
            _values[_next] = value;
            _next = (_next + 1) % _values.Length;
            Count = Math.Min(Count + 1, _values.Length);
        }

        public double P95()
        {
            var sorted = _values[..Count];
            Array.Sort(sorted);
            return sorted[(int)Math.Ceiling(0.95 * Count) - 1];
        }
    }
}
