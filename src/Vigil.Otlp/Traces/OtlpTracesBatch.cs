using Vigil.Otlp.Metrics;

namespace Vigil.Otlp.Traces;

/// <summary>
/// An OTLP traces export turned into spans and their series points (each point names the span it
/// came from), with the spans refused so far, for the answer's <c>partial_success</c>. A span whose
/// point Vigil refuses is refused whole: it is neither in the series nor in the trace store.
/// </summary>
public sealed class OtlpTracesBatch : IOtlpPointBatch
{
    private readonly List<OtlpPoint> _points = [];
    private readonly List<(int Index, TraceSpan Span)> _spans = [];
    private readonly List<string> _names = [];
    private readonly OtlpRejections _rejected = new();

    /// <summary>The points of the spans not refused when they were read, in span order.</summary>
    public IReadOnlyList<OtlpPoint> Points => _points;

    /// <summary>How many spans the export held.</summary>
    public int SpanCount => _names.Count;

    /// <summary>How many spans were refused.</summary>
    public int Rejected => _rejected.Count;

    /// <summary>What was refused, for <c>partial_success.error_message</c>; null when nothing was.</summary>
    public string? ErrorMessage => _rejected.ErrorMessage;

    /// <summary>The spans not refused.</summary>
    public IReadOnlyList<TraceSpan> AcceptedSpans => [.. _spans.Where(s => !_rejected.Contains(s.Index)).Select(s => s.Span)];

    /// <inheritdoc/>
    public bool IsRejected(int index) => _rejected.Contains(index);

    /// <inheritdoc/>
    public void Reject(int index, string metric, string problem) => _rejected.Add(index, $"span '{_names[index]}': series '{metric}' {problem}");

    /// <summary>Refuses a span when it is read.</summary>
    internal void Refuse(int index, string problem) => _rejected.Add(index, $"span '{_names[index]}': {problem}");

    /// <summary>Registers the span at the next index (its name for messages) and returns the index.</summary>
    internal int Next(string name)
    {
        _names.Add(SpanNames.Clip(name, 100));
        return _names.Count - 1;
    }

    internal void Add(int index, TraceSpan span, IEnumerable<OtlpPoint> points)
    {
        _spans.Add((index, span));
        _points.AddRange(points);
    }
}
