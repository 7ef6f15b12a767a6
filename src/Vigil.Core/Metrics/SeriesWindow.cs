namespace Vigil.Core.Metrics;

/// <summary>
/// The merged state of one series' encoded buckets over a window that an evaluator reads again
/// and again as time moves on (a rule's window). Each read subtracts the buckets that left the
/// window and adds those that entered it since the previous read, so a pass costs the buckets
/// that changed, not the buckets in the window. Counts and sums of whole units (every timing;
/// gauges and counters of whole numbers) subtract exactly; min and max come from monotonic
/// queues; sketch bins, when a quantile is read, from counts that subtract exactly too. The
/// open buckets and patches are not in it: <see cref="MetricSeries"/> adds them on each read.
/// Not thread-safe: one per reader, used under the series' lock.
/// </summary>
internal sealed class SeriesWindow
{
    private ExtremeQueue? _min;
    private ExtremeQueue? _max;
    private long _count;
    // Int128: a window of thousands of buckets, each summing up to 2^53 units, can pass 2^63.
    private Int128 _sumUnits;
    private long _lastStart;
    private double _last;
    private double _minValue;
    private double _maxValue;
    private Places? _places;

    // The cursors, read only when something entered or left: kept apart so that a read that
    // finds nothing changed touches one or two cache lines of this object.
    internal ref BucketLog.Cursor Head => ref (_places ??= new Places()).Head;

    internal ref BucketLog.Cursor Tail => ref (_places ??= new Places()).Tail;

    /// <summary>Whether the cursors point into the log (false until the log holds a bucket).</summary>
    internal bool Positioned { get; set; }

    internal int Generation { get; set; }

    /// <summary>The range merged: buckets starting in [FromMs, ToMs).</summary>
    internal long FromMs { get; set; } = long.MaxValue;

    internal long ToMs { get; set; } = long.MaxValue;

    /// <summary>Buckets merged whose values are not whole units: while any is in, reads decode the window instead.</summary>
    internal int NonIntegerBuckets { get; private set; }

    internal WindowBins? Bins { get; private set; }

    /// <summary>Whether min and max are kept (they cost two queues; only min, max and quantiles read them).</summary>
    internal bool HasExtremes => _min is not null;

    /// <summary>Buckets merged.</summary>
    internal int Buckets { get; private set; }

    /// <summary>Start of the oldest bucket merged (when <see cref="Buckets"/> &gt; 0).</summary>
    internal long HeadStart { get; set; }

    /// <summary>Whether the tail cursor was at the end of the log, whose newest bucket then started at <see cref="TailEndLastStart"/>.</summary>
    internal bool TailAtEnd { get; set; }

    internal long TailEndLastStart { get; set; }

    /// <summary>Start of the bucket after the tail cursor (when not <see cref="TailAtEnd"/>).</summary>
    internal long TailNext { get; set; }

    /// <summary>For the owner's bookkeeping: when it last used this window.</summary>
    internal long LastUsed { get; set; }

    internal void Clear(bool withBins, bool withExtremes)
    {
        Buckets = 0;
        _count = 0;
        _sumUnits = 0;
        NonIntegerBuckets = 0;
        if (withExtremes)
        {
            _min ??= new ExtremeQueue(isMin: true);
            _max ??= new ExtremeQueue(isMin: false);
        }

        _min?.Clear();
        _max?.Clear();
        _minValue = double.PositiveInfinity;
        _maxValue = double.NegativeInfinity;
        if (withBins)
        {
            Bins ??= new WindowBins();
        }

        Bins?.Clear();
    }

    internal void Add(in BucketLog.DecodedBucket bucket, BucketLog log)
    {
        if (Buckets++ == 0)
        {
            HeadStart = bucket.Start;
        }

        _count += bucket.Points;
        if (bucket.Integers)
        {
            _sumUnits += log.UnitsOf(bucket.Sum);
        }
        else
        {
            NonIntegerBuckets++;
        }

        if (_min is not null)
        {
            _minValue = _min.Push(bucket.Start, BitConverter.UInt64BitsToDouble(bucket.Min));
            _maxValue = _max!.Push(bucket.Start, BitConverter.UInt64BitsToDouble(bucket.Max));
        }
        _lastStart = bucket.Start;
        _last = BitConverter.UInt64BitsToDouble(bucket.Last);
        if (Bins is not null)
        {
            log.ApplyBins(bucket, Bins, 1);
        }
    }

    internal void Remove(in BucketLog.DecodedBucket bucket, BucketLog log)
    {
        Buckets--;
        _count -= bucket.Points;
        if (bucket.Integers)
        {
            _sumUnits -= log.UnitsOf(bucket.Sum);
        }
        else
        {
            NonIntegerBuckets--;
        }

        if (_min is not null)
        {
            _minValue = _min.PopIfFirst(bucket.Start);
            _maxValue = _max!.PopIfFirst(bucket.Start);
        }
        if (Bins is not null)
        {
            log.ApplyBins(bucket, Bins, -1);
        }
    }

    /// <summary>
    /// Merges the state into an accumulator as <see cref="BucketLog.DecodeInto(WindowAccumulator, long, long, bool, bool, bool)"/>
    /// would; without <see cref="HasExtremes"/> min and max are left out (±∞).
    /// </summary>
    internal void AddTo(WindowAccumulator accumulator, bool isError, long bucketMs, double scale, bool withBins)
    {
        if (_count == 0)
        {
            return;
        }

        accumulator.AddStats(_count, (double)_sumUnits / scale, _minValue, _maxValue, _last, _lastStart + bucketMs - 1, isError);
        if (withBins)
        {
            Bins?.AddTo(accumulator);
        }
    }

    private sealed class Places
    {
        public BucketLog.Cursor Head;
        public BucketLog.Cursor Tail;
    }

    /// <summary>
    /// The smallest (or largest) value of the buckets in the window: the queue holds the buckets
    /// that can still become it, oldest first, each smaller (larger) than those before.
    /// </summary>
    private sealed class ExtremeQueue(bool isMin)
    {
        private long[] _starts = new long[4];
        private double[] _values = new double[4];
        private int _first;
        private int _count;

        public void Clear() => _first = _count = 0;

        /// <summary>Adds a bucket's extreme; returns the window's.</summary>
        public double Push(long start, double value)
        {
            while (_count > 0)
            {
                var back = _values[(_first + _count - 1) & (_values.Length - 1)];
                if (isMin ? back < value : back > value)
                {
                    break;
                }

                _count--;
            }

            if (_count == _values.Length)
            {
                Grow();
            }

            var at = (_first + _count) & (_values.Length - 1);
            _starts[at] = start;
            _values[at] = value;
            _count++;
            return _values[_first];
        }

        /// <summary>Takes out the bucket that leaves the window if it holds the extreme; returns the window's (undefined when empty).</summary>
        public double PopIfFirst(long start)
        {
            if (_count > 0 && _starts[_first] == start)
            {
                _first = (_first + 1) & (_values.Length - 1);
                _count--;
            }

            return _values[_first];
        }

        private void Grow()
        {
            var starts = new long[_starts.Length * 2];
            var values = new double[_values.Length * 2];
            for (var i = 0; i < _count; i++)
            {
                starts[i] = _starts[(_first + i) & (_starts.Length - 1)];
                values[i] = _values[(_first + i) & (_values.Length - 1)];
            }

            _starts = starts;
            _values = values;
            _first = 0;
        }
    }
}
