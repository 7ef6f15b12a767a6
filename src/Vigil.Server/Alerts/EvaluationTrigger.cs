namespace Vigil.Server.Alerts;

/// <summary>
/// Tells the alert engine which metrics received points, so their rules are evaluated within
/// milliseconds of the ingest call instead of at the next timer tick. Ingest calls
/// <see cref="Notify"/>; the engine waits on <see cref="WaitAsync"/> and takes the set.
/// </summary>
internal sealed class EvaluationTrigger
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _signal = new(0, 1);
    private HashSet<string> _changed = new(StringComparer.Ordinal);

    /// <summary>Marks metrics as changed (names may repeat).</summary>
    public void Notify(IEnumerable<string> metricNames)
    {
        ArgumentNullException.ThrowIfNull(metricNames);
        bool wake;
        lock (_lock)
        {
            var before = _changed.Count;
            string? previous = null;
            foreach (var name in metricNames)
            {
                if (!string.Equals(name, previous, StringComparison.Ordinal))
                {
                    _changed.Add(name);
                    previous = name;
                }
            }

            wake = before == 0 && _changed.Count > 0;
        }

        if (wake && _signal.CurrentCount == 0)
        {
            try
            {
                _signal.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already signalled.
            }
        }
    }

    /// <summary>Waits until some metric changed.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _signal.WaitAsync(cancellationToken);

    /// <summary>The metrics changed since the last call, and a fresh empty set.</summary>
    public IReadOnlySet<string> Take()
    {
        lock (_lock)
        {
            var taken = _changed;
            _changed = new HashSet<string>(StringComparer.Ordinal);
            return taken;
        }
    }
}
