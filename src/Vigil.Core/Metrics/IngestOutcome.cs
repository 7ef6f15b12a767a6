namespace Vigil.Core.Metrics;

/// <summary>What became of a batch.</summary>
public sealed class IngestOutcome
{
    private Action? _commit;

    private IngestOutcome(int accepted, IReadOnlyList<IngestError> errors, IReadOnlyList<int> refusedIndices, int maxSeries, IReadOnlyList<(MetricSeries Series, MetricPoint Point)>? late = null, Action? commit = null, SeriesQuota? quota = null)
    {
        OverQuota = quota;
        _commit = commit;
        LatePoints = late ?? [];
        AcceptedCount = accepted;
        Errors = errors;
        RefusedIndices = refusedIndices;
        MaxSeries = maxSeries;
    }

    /// <summary>Points recorded (all of the batch, or zero).</summary>
    public int AcceptedCount { get; }

    /// <summary>Points that conflict with the store (type mismatches).</summary>
    public IReadOnlyList<IngestError> Errors { get; }

    /// <summary>Indices of points that would have created a series past the bound.</summary>
    public IReadOnlyList<int> RefusedIndices { get; }

    /// <summary>The series bound in force.</summary>
    public int MaxSeries { get; }

    /// <summary>
    /// The owner's series quota the batch would have gone past (then <see cref="RefusedIndices"/>
    /// names the points that would have created series), or null.
    /// </summary>
    public SeriesQuota? OverQuota { get; }

    /// <summary>Whether the batch was recorded.</summary>
    public bool IsAccepted => Errors.Count == 0 && RefusedIndices.Count == 0;

    /// <summary>Accepted points older than the in-memory horizon, with their series, to persist.</summary>
    public IReadOnlyList<(MetricSeries Series, MetricPoint Point)> LatePoints { get; }

    /// <summary>Records the accepted points held in memory; once only, and nothing for a refused batch.</summary>
    public void Commit() => Interlocked.Exchange(ref _commit, null)?.Invoke();

    internal static IngestOutcome Accepted(int count, IReadOnlyList<(MetricSeries, MetricPoint)>? late, Action commit) => new(count, [], [], 0, late, commit);

    internal static IngestOutcome Invalid(IReadOnlyList<IngestError> errors) => new(0, errors, [], 0);

    internal static IngestOutcome TooManySeries(IReadOnlyList<int> indices, int maxSeries) => new(0, [], indices, maxSeries);

    internal static IngestOutcome QuotaReached(IReadOnlyList<int> indices, SeriesQuota quota) => new(0, [], indices, 0, quota: quota);
}
