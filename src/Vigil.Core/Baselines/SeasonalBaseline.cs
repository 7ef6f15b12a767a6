namespace Vigil.Core.Baselines;

/// <summary>
/// The seasonal baseline of one series, built incrementally and asked point-in-time: what the
/// series usually does at the hour of the week of an instant, computed only from observations
/// made before that hour began (<see cref="AsOf"/>). Observations are added in time order;
/// a live engine adds each new value and asks as of now, a backtest interleaves adding the
/// history before each step with asking as of the step, so no step sees its own or later data.
/// </summary>
/// <remarks>
/// <para>
/// Each observation belongs to a local wall-clock hour (<see cref="SeasonalBaselineOptions.TimeZone"/>).
/// The hour being filled stays aside until a later hour begins; then its values join their
/// hour-of-week slot as one occurrence. An estimate uses the first level with enough history:
/// the hour of the week (at least <see cref="SeasonalBaselineOptions.MinSamples"/> observations
/// from at least <see cref="SeasonalBaselineOptions.MinWeeks"/> weeks), the hour of the day
/// (the seven slots of that hour together, at least <see cref="SeasonalBaselineOptions.MinDays"/>
/// days), then all history; with less than <see cref="SeasonalBaselineOptions.MinSamples"/> in
/// all there is no baseline. Center and spread are the median and the median absolute deviation,
/// which a minority of outliers (spikes, an incident hour) barely move.
/// </para>
/// <para>
/// Cost: adding is O(1) (a value appended; once an hour, a copy into its slot). An estimate is
/// computed (sort of the level's values) the first time it is asked after its slot changed and
/// is then cached, so asking at every minute costs a lookup except at the first ask of each
/// hour. Memory: 4 bytes per observation kept (values are stored as <see cref="float"/>), 16 bytes
/// per hour held, about 160 bytes per hour-of-week slot in use: a week of 1-minute values takes
/// about 70 KB, the default 28 days about 210 KB, 28 days of one value per 5 minutes about 65 KB
/// (and, per thread, a sort buffer as large as the biggest level estimated). Not thread-safe:
/// one instance per series, one thread at a time.
/// </para>
/// </remarks>
public sealed class SeasonalBaseline
{
    // A daylight-saving change happens on a quarter hour in every zone in use; offsets are cached that long.
    private const long QuarterHourMs = 900_000;

    // Bytes of a slot beyond its arrays' elements: the object and the two array headers.
    private const int SlotBytes = 48 + 24 + 24;

    private readonly TimeZoneInfo _zone;
    private readonly bool _isUtc;
    private readonly long _historyMs;
    private readonly int _minSamples;
    private readonly int _minWeeks;
    private readonly int _minDays;
    private readonly BaselineLevel _lowestLevel;
    private readonly Slot?[] _slots = new Slot?[HourOfWeek.Count];
    private readonly BaselineEstimate?[] _byHourOfDay = new BaselineEstimate?[24];

    // The slot of every completed hour held, oldest first: the order in which hours are forgotten.
    private readonly Queue<byte> _kept = new();
    private BaselineEstimate? _flat;
    private int _keptValues;

    private float[] _pending = new float[64];
    private int _pendingCount;
    private long _pendingHour = long.MinValue;
    private long _pendingFirstMs;
    private long _pendingLastMs;

    private long _lastAddedMs = long.MinValue;
    private long _lastAskedMs = long.MinValue;
    private long _offsetQuarter = long.MinValue;
    private long _offsetMs;

    // Sort space for computing an estimate, shared by the baselines used on a thread (the flat level of a month of minutes needs 320 KB).
    [ThreadStatic]
    private static double[]? t_scratch;

    /// <summary>A baseline with no history yet, configured by <paramref name="options"/> (defaults when null).</summary>
    /// <exception cref="ArgumentException">A setting is out of range (the exception names it).</exception>
    public SeasonalBaseline(SeasonalBaselineOptions? options = null)
    {
        options ??= new SeasonalBaselineOptions();
        options.Validate();
        _zone = options.TimeZone;
        _isUtc = ReferenceEquals(_zone, TimeZoneInfo.Utc) || (_zone.BaseUtcOffset == TimeSpan.Zero && !_zone.SupportsDaylightSavingTime);
        _historyMs = (long)options.History.TotalMilliseconds;
        _minSamples = options.MinSamples;
        _minWeeks = options.MinWeeks;
        _minDays = options.MinDays;
        _lowestLevel = options.LowestLevel;
    }

    /// <summary>Observations held: those of completed hours within the history, and those of the hour being filled.</summary>
    public int ObservationCount => _keptValues + _pendingCount;

    /// <summary>Timestamp of the latest observation added (Unix milliseconds), or null before the first.</summary>
    public long? LastObservationMs => _lastAddedMs == long.MinValue ? null : _lastAddedMs;

    /// <summary>An estimate of the memory this baseline holds, in bytes (cached estimates and the per-thread sort buffer aside).</summary>
    public long ApproximateBytes
    {
        get
        {
            long bytes = 200 + (_slots.Length * 8) + (_byHourOfDay.Length * 8) + 32 + (_pending.Length * sizeof(float)) + 24 + _kept.Count;
            foreach (var slot in _slots)
            {
                if (slot is not null)
                {
                    bytes += SlotBytes + (slot.Values.Length * sizeof(float)) + (slot.Hours.Length * 16);
                }
            }

            return bytes;
        }
    }

    /// <summary>
    /// Adds the value observed at <paramref name="timestampMs"/> (Unix milliseconds). Timestamps
    /// must not go backwards; values that are not finite are ignored.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timestampMs"/> is before the previous observation.</exception>
    public void Add(long timestampMs, double value)
    {
        if (timestampMs < _lastAddedMs)
        {
            throw new ArgumentOutOfRangeException(nameof(timestampMs), timestampMs, $"Observations are added in time order; the previous one was at {_lastAddedMs}.");
        }

        _lastAddedMs = timestampMs;
        if (!double.IsFinite(value))
        {
            return;
        }

        var hour = LocalHour(timestampMs);
        if (hour != _pendingHour)
        {
            if (_pendingCount > 0)
            {
                SealPending();
            }

            _pendingHour = hour;
        }

        if (_pendingCount == 0)
        {
            _pendingFirstMs = timestampMs;
        }
        else if (_pendingCount == _pending.Length)
        {
            Array.Resize(ref _pending, _pending.Length * 2);
        }

        _pending[_pendingCount++] = (float)value;
        _pendingLastMs = timestampMs;
    }

    /// <summary>
    /// The baseline at <paramref name="nowMs"/> (Unix milliseconds): computed from the
    /// observations of the completed hours in the history before it, never from the hour
    /// holding <paramref name="nowMs"/> (whose episode is what is being judged) nor anything
    /// later. Null when there is too little history for even a flat baseline. Instants must
    /// not go backwards from one call to the next (history older than
    /// <see cref="SeasonalBaselineOptions.History"/> is forgotten as they advance).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// An observation at or after <paramref name="nowMs"/> was already added (the answer would
    /// look ahead), or <paramref name="nowMs"/> is before the previous call's instant.
    /// </exception>
    public BaselineEstimate? AsOf(long nowMs)
    {
        if (nowMs <= _lastAddedMs)
        {
            throw new ArgumentOutOfRangeException(nameof(nowMs), nowMs, $"An observation at {_lastAddedMs} is not before this instant: a baseline as of it would look ahead.");
        }

        if (nowMs < _lastAskedMs)
        {
            throw new ArgumentOutOfRangeException(nameof(nowMs), nowMs, $"Baselines are asked in time order; the previous one was as of {_lastAskedMs}.");
        }

        _lastAskedMs = nowMs;
        var hour = LocalHour(nowMs);
        if (_pendingCount > 0 && _pendingHour != hour)
        {
            SealPending();
        }

        Forget(nowMs - _historyMs);

        var weekSlot = HourOfWeek.OfLocalHour(hour);
        if (_slots[weekSlot] is { } slot && slot.ValueCount >= _minSamples && slot.HourCount >= _minWeeks)
        {
            return slot.Estimate ??= Estimate(BaselineLevel.HourOfWeek, weekSlot);
        }

        if (_lowestLevel == BaselineLevel.HourOfWeek)
        {
            return null;
        }

        var daySlot = weekSlot % 24;
        int dayValues = 0, days = 0;
        for (var s = daySlot; s < HourOfWeek.Count; s += 24)
        {
            if (_slots[s] is { } day)
            {
                dayValues += day.ValueCount;
                days += day.HourCount;
            }
        }

        if (dayValues >= _minSamples && days >= _minDays)
        {
            return _byHourOfDay[daySlot] ??= Estimate(BaselineLevel.HourOfDay, daySlot);
        }

        return _keptValues >= _minSamples && _lowestLevel == BaselineLevel.Flat ? _flat ??= Estimate(BaselineLevel.Flat, 0) : null;
    }

    private long LocalHour(long utcMs)
    {
        if (!_isUtc)
        {
            var quarter = FloorDivision.Of(utcMs, QuarterHourMs);
            if (quarter != _offsetQuarter)
            {
                _offsetQuarter = quarter;
                _offsetMs = (long)_zone.GetUtcOffset(DateTimeOffset.FromUnixTimeMilliseconds(quarter * QuarterHourMs)).TotalMilliseconds;
            }

            utcMs += _offsetMs;
        }

        return FloorDivision.Of(utcMs, HourOfWeek.HourMs);
    }

    /// <summary>Moves the completed hour's values into their hour-of-week slot (joining an earlier part of the same hour, for late values).</summary>
    private void SealPending()
    {
        var weekSlot = HourOfWeek.OfLocalHour(_pendingHour);
        var slot = _slots[weekSlot] ??= new Slot();
        var values = _pending.AsSpan(0, _pendingCount);
        var needed = slot.ValueCount + values.Length;
        if (slot.Values.Length < needed)
        {
            Array.Resize(ref slot.Values, Math.Max(needed, slot.Values.Length + (slot.Values.Length / 2)));
        }

        values.CopyTo(slot.Values.AsSpan(slot.ValueCount));
        slot.ValueCount = needed;
        var anchorMs = _pendingHour * HourOfWeek.HourMs;
        if (slot.HourCount > 0 && slot.Hours[slot.HourCount - 1].LocalHour == _pendingHour)
        {
            // Late values of the slot's newest hour: its values are the last ones, so the new ones extend them.
            ref var last = ref slot.Hours[slot.HourCount - 1];
            last = last with { Count = last.Count + values.Length, LastDeltaMs = (int)(_pendingLastMs - anchorMs) };
        }
        else
        {
            if (slot.HourCount == slot.Hours.Length)
            {
                Array.Resize(ref slot.Hours, slot.Hours.Length * 2);
            }

            slot.Hours[slot.HourCount++] = new Hour((int)_pendingHour, (int)(_pendingFirstMs - anchorMs), (int)(_pendingLastMs - anchorMs), values.Length);
            _kept.Enqueue((byte)weekSlot);
        }

        _keptValues += values.Length;
        Invalidate(weekSlot);
        _pendingCount = 0;
    }

    /// <summary>Drops the hours whose observations are all older than <paramref name="cutoffMs"/>.</summary>
    private void Forget(long cutoffMs)
    {
        // The oldest hour held is the first hour of the slot at the head of the queue: both are in time order.
        while (_kept.TryPeek(out var weekSlot) && _slots[weekSlot] is { } slot && slot.Hours[0].LastMs < cutoffMs)
        {
            _kept.Dequeue();
            var count = slot.Hours[0].Count;
            slot.Values.AsSpan(count, slot.ValueCount - count).CopyTo(slot.Values);
            slot.ValueCount -= count;
            slot.Hours.AsSpan(1, slot.HourCount - 1).CopyTo(slot.Hours);
            slot.HourCount--;
            _keptValues -= count;
            Invalidate(weekSlot);
        }
    }

    private void Invalidate(int weekSlot)
    {
        _slots[weekSlot]!.Estimate = null;
        _byHourOfDay[weekSlot % 24] = null;
        _flat = null;
    }

    private BaselineEstimate Estimate(BaselineLevel level, int slot)
    {
        var (first, step) = level switch
        {
            BaselineLevel.HourOfWeek => (slot, HourOfWeek.Count),
            BaselineLevel.HourOfDay => (slot, 24),
            _ => (0, 1),
        };
        var count = 0;
        for (var s = first; s < HourOfWeek.Count; s += step)
        {
            count += _slots[s]?.ValueCount ?? 0;
        }

        var scratch = t_scratch ??= new double[256];
        if (scratch.Length < count)
        {
            t_scratch = scratch = new double[Math.Max(count, scratch.Length * 2)];
        }

        var values = scratch.AsSpan(0, count);
        int at = 0, hours = 0;
        long fromMs = long.MaxValue, toMs = long.MinValue;
        for (var s = first; s < HourOfWeek.Count; s += step)
        {
            if (_slots[s] is not { HourCount: > 0 } held)
            {
                continue;
            }

            foreach (var value in held.Values.AsSpan(0, held.ValueCount))
            {
                values[at++] = value;
            }

            hours += held.HourCount;
            fromMs = Math.Min(fromMs, held.Hours[0].FirstMs);
            toMs = Math.Max(toMs, held.Hours[held.HourCount - 1].LastMs);
        }

        values.Sort();
        var (median, mad, lowerMad, upperMad) = RobustStatistics.Of(values);
        return new BaselineEstimate(
            median,
            mad * RobustStatistics.MadToSigma,
            lowerMad * RobustStatistics.MadToSigma,
            upperMad * RobustStatistics.MadToSigma,
            count,
            hours,
            level,
            slot,
            fromMs,
            toMs);
    }

    /// <summary>
    /// One hour-of-week slot: the values of its past hours, oldest first and contiguous, the
    /// hours they came from, and the cached estimate over them.
    /// </summary>
    private sealed class Slot
    {
        // Fields, not properties: the owner resizes them in place (Array.Resize takes a ref).
        public float[] Values = [];
        public Hour[] Hours = new Hour[4];

        public int ValueCount { get; set; }

        public int HourCount { get; set; }

        public BaselineEstimate? Estimate { get; set; }
    }

    /// <summary>
    /// One completed local hour in a slot (16 bytes): its index, its first and last observation
    /// as offsets from the hour's local start read as UTC, and how many values it has.
    /// </summary>
    private readonly record struct Hour(int LocalHour, int FirstDeltaMs, int LastDeltaMs, int Count)
    {
        public long FirstMs => (LocalHour * HourOfWeek.HourMs) + FirstDeltaMs;

        public long LastMs => (LocalHour * HourOfWeek.HourMs) + LastDeltaMs;
    }
}
