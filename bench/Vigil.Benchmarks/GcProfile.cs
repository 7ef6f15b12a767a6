using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace Vigil.Benchmarks;

/// <summary>
/// What the garbage collector did between <see cref="Start"/> and <see cref="Stop"/>: the
/// runtime's own events, read in process (an allocation sample each 100 KB by type, and each
/// collection's pause by generation and kind), for the reports that measure one task's effect on
/// another. Events arrive a little after they happen, so they are kept by when they happened: a
/// collection just before <see cref="Start"/> is not counted, and <see cref="Report"/> is called a
/// while after <see cref="Stop"/>.
/// </summary>
internal sealed class GcProfile : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;

    private readonly ConcurrentDictionary<string, long> _allocated = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (int Count, double Ms)> _pauses = new(StringComparer.Ordinal);
    private DateTime? _suspendedAt;
    private string _collection = "?";

    private DateTime _from = DateTime.MaxValue;
    private DateTime _to = DateTime.MaxValue;

    public void Start() => (_from, _to) = (DateTime.UtcNow, DateTime.MaxValue);

    public void Stop() => _to = DateTime.UtcNow;

    /// <summary>Writes the types allocated most and the pauses by kind of collection as HTML comments (kept out of the tables), then forgets them.</summary>
    public void Report(TextWriter output)
    {
        foreach (var (type, bytes) in _allocated.OrderByDescending(p => p.Value).Take(12))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"<!-- allocated {bytes / 1_048_576.0:0} MB of {type} -->"));
        }

        foreach (var (collection, (count, ms)) in _pauses.OrderByDescending(p => p.Value.Ms))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"<!-- paused {ms:0} ms in {count} {collection} -->"));
        }

        _allocated.Clear();
        _pauses.Clear();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.TimeStamp < _from || eventData.TimeStamp > _to || eventData.EventName is not { } name)
        {
            return;
        }

        if (name.StartsWith("GCStart", StringComparison.Ordinal))
        {
            var kind = Payload(eventData, "Type") switch { 0u => "blocking", 1u => "background", _ => "foreground (in a background one)" };
            _collection = $"{kind} gen {Payload(eventData, "Depth")}";
        }
        else if (name.StartsWith("GCSuspendEEBegin", StringComparison.Ordinal))
        {
            _suspendedAt = eventData.TimeStamp;
        }
        else if (name.StartsWith("GCRestartEEEnd", StringComparison.Ordinal) && _suspendedAt is { } suspendedAt)
        {
            var ms = (eventData.TimeStamp - suspendedAt).TotalMilliseconds;
            _pauses.AddOrUpdate(_collection, (1, ms), (_, sum) => (sum.Count + 1, sum.Ms + ms));
            _suspendedAt = null;
        }
        else if (name.StartsWith("GCAllocationTick", StringComparison.Ordinal))
        {
            var type = Payload(eventData, "TypeName") as string ?? "?";
            var large = Payload(eventData, "AllocationKind") is 1u ? " (large object heap)" : "";
            _allocated.AddOrUpdate(type + large, 100_000, (_, bytes) => bytes + 100_000); // one event per 100 KB allocated
        }
    }

    private static object? Payload(EventWrittenEventArgs eventData, string name) =>
        eventData.PayloadNames?.IndexOf(name) is >= 0 and var index ? eventData.Payload![index] : null;
}
