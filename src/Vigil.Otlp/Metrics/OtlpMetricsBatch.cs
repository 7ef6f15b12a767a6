namespace Vigil.Otlp.Metrics;

/// <summary>
/// An OTLP export turned into Vigil points, with the data points refused so far (for the
/// answer's <c>partial_success</c>). The caller validates and records the points, refuses more
/// data points where it must (<see cref="Reject"/>), then calls <see cref="Commit"/> once the
/// points were recorded, so the cumulative series remember the values they were recorded from.
/// </summary>
public sealed class OtlpMetricsBatch : IOtlpPointBatch
{
    private readonly List<OtlpPoint> _points = [];
    private readonly OtlpRejections _rejected = new();
    private readonly List<(int DataPoint, string Key, CumulativeState.Snapshot Snapshot)> _cumulative = [];
    private readonly CumulativeState _state;

    internal OtlpMetricsBatch(CumulativeState state) => _state = state;

    /// <summary>The points, in the order of their data points (those of refused data points left out).</summary>
    public IReadOnlyList<OtlpPoint> Points => _points;

    /// <summary>How many data points the export held.</summary>
    public int DataPoints { get; internal set; }

    /// <summary>How many data points were refused.</summary>
    public int RejectedDataPoints => _rejected.Count;

    /// <summary>What was refused, for <c>partial_success.error_message</c>; null when nothing was.</summary>
    public string? ErrorMessage => _rejected.ErrorMessage;

    int IOtlpPointBatch.Rejected => RejectedDataPoints;

    /// <summary>Whether a data point was refused.</summary>
    public bool IsRejected(int dataPoint) => _rejected.Contains(dataPoint);

    /// <summary>Refuses a data point (all its points), with the reason reported once per distinct reason.</summary>
    public void Reject(int dataPoint, string metric, string problem) => _rejected.Add(dataPoint, $"metric '{metric}': {problem}");

    /// <summary>Keeps the values of the cumulative series whose data points were not refused: their next values are counted from these.</summary>
    public void Commit()
    {
        foreach (var (dataPoint, key, snapshot) in _cumulative)
        {
            if (!_rejected.Contains(dataPoint))
            {
                _state.Keep(key, snapshot);
            }
        }

        _cumulative.Clear();
    }

    internal void Add(List<OtlpPoint> points) => _points.AddRange(points);

    internal void Remember(int dataPoint, string key, CumulativeState.Snapshot snapshot) => _cumulative.Add((dataPoint, key, snapshot));

    /// <summary>The latest snapshot of a series within this batch (a series may come twice in one export), or the committed one.</summary>
    internal CumulativeState.Snapshot? Previous(string key)
    {
        for (var i = _cumulative.Count - 1; i >= 0; i--)
        {
            if (_cumulative[i].Key == key && !_rejected.Contains(_cumulative[i].DataPoint))
            {
                return _cumulative[i].Snapshot;
            }
        }

        return _state.Find(key);
    }
}
