using System.Collections.Concurrent;

namespace Vigil.Otlp.Metrics;

/// <summary>
/// The previous value of each cumulative series (OTLP sums and histograms sent with cumulative
/// temporality, keyed by resource, scope, metric and attributes), so the next value becomes an
/// increment. The first value of a series only establishes its start; a value below the
/// previous one, or a new start time, is a reset (the sender restarted): the increment is the
/// new value itself. Bounded by <see cref="OtlpOptions.MaxCumulativeSeries"/>; idle series are
/// forgotten after <see cref="OtlpOptions.CumulativeIdleTimeout"/>.
/// </summary>
internal sealed class CumulativeState(OtlpOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Snapshot> _last = new(StringComparer.Ordinal);

    /// <summary>How many series are tracked.</summary>
    public int Count => _last.Count;

    /// <summary>The committed snapshot of a series, or null.</summary>
    public Snapshot? Find(string key) => _last.GetValueOrDefault(key);

    /// <summary>Whether a series not tracked yet may be (forgetting idle ones when the bound is reached).</summary>
    public bool HasRoomFor(string key)
    {
        if (_last.ContainsKey(key) || _last.Count < options.MaxCumulativeSeries)
        {
            return true;
        }

        var idleBefore = time.GetUtcNow().ToUnixTimeMilliseconds() - (long)options.CumulativeIdleTimeout.TotalMilliseconds;
        foreach (var (staleKey, snapshot) in _last)
        {
            if (snapshot.SeenMs < idleBefore)
            {
                _last.TryRemove(staleKey, out _);
            }
        }

        return _last.Count < options.MaxCumulativeSeries;
    }

    /// <summary>Keeps a series' latest snapshot (once the batch it came in was recorded).</summary>
    public void Keep(string key, Snapshot snapshot) =>
        _last[key] = snapshot with { SeenMs = time.GetUtcNow().ToUnixTimeMilliseconds() };

    /// <summary>One cumulative value: its start and time (Unix ns) and the counts that only grow between resets.</summary>
    /// <param name="StartNano">start_time_unix_nano (0 when not sent).</param>
    /// <param name="TimeNano">time_unix_nano.</param>
    /// <param name="Counts">A sum's value, or a histogram's bucket counts (an exponential histogram's zero count first, then its positive buckets).</param>
    /// <param name="Shape">What the counts mean: a histogram's bounds, an exponential histogram's scale and offset; a change is a reset.</param>
    /// <param name="SeenMs">When it was kept (Unix ms).</param>
    internal sealed record Snapshot(ulong StartNano, ulong TimeNano, double[] Counts, Shape Shape, long SeenMs = 0);

    /// <summary>The meaning of a snapshot's counts.</summary>
    /// <param name="Bounds">Explicit bucket bounds (a histogram), or empty.</param>
    /// <param name="Scale">An exponential histogram's scale.</param>
    /// <param name="Offset">An exponential histogram's positive offset.</param>
    internal sealed record Shape(double[] Bounds, int Scale = 0, int Offset = 0)
    {
        public static readonly Shape Scalar = new([]);

        public bool SameBounds(Shape other) => Bounds.AsSpan().SequenceEqual(other.Bounds);
    }

    /// <summary>
    /// The increment from <paramref name="previous"/> to <paramref name="current"/>: null when
    /// the current value is not newer (a repeat: nothing to record), the current counts
    /// themselves on a reset, else the differences.
    /// </summary>
    public static double[]? Increment(Snapshot previous, Snapshot current)
    {
        if (current.TimeNano <= previous.TimeNano)
        {
            return null;
        }

        if (current.StartNano != previous.StartNano && current.StartNano != 0)
        {
            return current.Counts;
        }

        var before = Comparable(previous, current.Shape, current.Counts.Length);
        if (before is null)
        {
            return current.Counts;
        }

        var increment = new double[current.Counts.Length];
        for (var i = 0; i < increment.Length; i++)
        {
            increment[i] = current.Counts[i] - before[i];
            if (increment[i] < 0)
            {
                return current.Counts;
            }
        }

        return increment;
    }

    /// <summary>
    /// The previous counts in the current shape (<paramref name="length"/> counts): as they are
    /// for sums and explicit histograms with the same bounds; for exponential histograms,
    /// downscaled to the current (coarser or equal) scale and placed at the current offset. Null
    /// when they cannot be (a reset).
    /// </summary>
    private static double[]? Comparable(Snapshot previous, Shape shape, int length)
    {
        if (!previous.Shape.SameBounds(shape))
        {
            return null;
        }

        if (previous.Shape.Scale == shape.Scale && previous.Shape.Offset == shape.Offset)
        {
            return previous.Counts.Length == length ? previous.Counts : null;
        }

        if (previous.Shape.Scale < shape.Scale || previous.Counts.Length == 0 || length == 0)
        {
            return null; // a cumulative exponential histogram's scale only goes down
        }

        var shift = previous.Shape.Scale - shape.Scale;
        var counts = new double[length];
        counts[0] = previous.Counts[0]; // the zero bucket
        for (var j = 1; j < previous.Counts.Length; j++)
        {
            var index = ((previous.Shape.Offset + j - 1) >> shift) - shape.Offset + 1;
            if (index < 1 || index >= length)
            {
                if (previous.Counts[j] > 0)
                {
                    return null;
                }

                continue;
            }

            counts[index] += previous.Counts[j];
        }

        return counts;
    }
}
