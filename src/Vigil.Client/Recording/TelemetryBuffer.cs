using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// The bounded in-memory buffers between the application threads that record and the sender
/// that delivers, plus the delivery counters. When a buffer is full the oldest item is dropped
/// (and counted): recording never waits and memory stays bounded while Vigil is down.
/// </summary>
internal sealed class TelemetryBuffer
{
    /// <summary>The most error events held awaiting delivery (fewer when <see cref="VigilClientOptions.MaxBufferedPoints"/> is lower).</summary>
    public const int MaxBufferedErrors = 10_000;

    private readonly Channel<MetricPoint> _metrics;
    private readonly Channel<JobExecution> _jobs;
    private readonly Channel<SpanRecord> _spans;
    private readonly Channel<byte[]> _errors;
    private readonly int _batchSize;

    // Items in the channels. Incremented before a write, so a concurrent read can never take it below zero.
    private long _queued;
    private long _inFlight;
    private long _sent;
    private long _droppedInvalid;
    private long _droppedOverflow;
    private long _droppedUndeliverable;
    private long _failedAttempts;

    public TelemetryBuffer(IOptions<VigilClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var value = options.Value;
        _batchSize = value.BatchSize;
        Capacity = value.MaxBufferedPoints;

        var channelOptions = new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true, // reads are serialised by the sender's gate
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        _metrics = Channel.CreateBounded<MetricPoint>(channelOptions, _ => OnOverflow());
        _jobs = Channel.CreateBounded<JobExecution>(channelOptions, _ => OnOverflow());
        _spans = Channel.CreateBounded<SpanRecord>(channelOptions, _ => OnOverflow());

        // An error event weighs kilobytes (its stack): fewer of them are held.
        _errors = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(Math.Min(Capacity, MaxBufferedErrors))
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        }, _ => OnOverflow());
    }


    /// <summary>Gets the capacity of each buffer.</summary>
    public int Capacity { get; }

    /// <summary>Gets the signal set when at least a batch worth of items is waiting.</summary>
    public AsyncSignal BatchReady { get; } = new();

    public ChannelReader<MetricPoint> Metrics => _metrics.Reader;

    public ChannelReader<JobExecution> Jobs => _jobs.Reader;

    public ChannelReader<SpanRecord> Spans => _spans.Reader;

    /// <summary>Error events, each a Sentry event's JSON.</summary>
    public ChannelReader<byte[]> Errors => _errors.Reader;

    public long DroppedInvalid => Interlocked.Read(ref _droppedInvalid);

    public long DroppedOverflow => Interlocked.Read(ref _droppedOverflow);

    public VigilClientStats Snapshot() => new()
    {
        Sent = Interlocked.Read(ref _sent),
        Dropped = Interlocked.Read(ref _droppedInvalid) + Interlocked.Read(ref _droppedOverflow) + Interlocked.Read(ref _droppedUndeliverable),
        Buffered = Math.Max(0, Interlocked.Read(ref _queued)) + Interlocked.Read(ref _inFlight),
        FailedAttempts = Interlocked.Read(ref _failedAttempts),
    };

    public void Add(in MetricPoint point) => Add(_metrics.Writer, point);

    public void Add(in JobExecution execution) => Add(_jobs.Writer, execution);

    public void Add(SpanRecord span) => Add(_spans.Writer, span);

    public void Add(byte[] errorEvent) => Add(_errors.Writer, errorEvent);

    public void CountInvalid() => Interlocked.Increment(ref _droppedInvalid);

    /// <summary>Moves <paramref name="count"/> items just read from a channel to "in flight".</summary>
    public void MarkTaken(int count)
    {
        Interlocked.Add(ref _queued, -count);
        Interlocked.Add(ref _inFlight, count);
    }

    public void MarkSent(int count)
    {
        Interlocked.Add(ref _inFlight, -count);
        Interlocked.Add(ref _sent, count);
    }

    /// <summary>Counts <paramref name="count"/> in-flight items as dropped (rejected by Vigil or abandoned at shutdown).</summary>
    public void MarkUndeliverable(int count)
    {
        Interlocked.Add(ref _inFlight, -count);
        Interlocked.Add(ref _droppedUndeliverable, count);
    }

    public void CountFailedAttempt() => Interlocked.Increment(ref _failedAttempts);

    /// <summary>Empties the buffers, counting their items as dropped. Callers hold the sender's gate.</summary>
    public int DiscardQueued()
    {
        int discarded = 0;
        while (_metrics.Reader.TryRead(out _))
        {
            discarded++;
        }

        while (_jobs.Reader.TryRead(out _))
        {
            discarded++;
        }

        while (_spans.Reader.TryRead(out _))
        {
            discarded++;
        }

        while (_errors.Reader.TryRead(out _))
        {
            discarded++;
        }

        Interlocked.Add(ref _queued, -discarded);
        Interlocked.Add(ref _droppedUndeliverable, discarded);
        return discarded;
    }

    private void Add<T>(ChannelWriter<T> writer, T item)
    {
        long queued = Interlocked.Increment(ref _queued);
        if (!writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _queued);
            Interlocked.Increment(ref _droppedUndeliverable);
            return;
        }

        SignalIfBatchReady(queued);
    }

    private void SignalIfBatchReady(long queued)
    {
        if (queued >= _batchSize)
        {
            BatchReady.Set();
        }
    }

    private void OnOverflow()
    {
        Interlocked.Decrement(ref _queued);
        Interlocked.Increment(ref _droppedOverflow);
    }
}
