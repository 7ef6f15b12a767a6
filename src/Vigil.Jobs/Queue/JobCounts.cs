namespace Vigil.Jobs.Queue;

/// <summary>Queue depth by state (for the Prometheus gauge and the jobs health check).</summary>
/// <param name="Queued">Waiting to run for the first time, due or scheduled.</param>
/// <param name="Retrying">Waiting for another attempt.</param>
/// <param name="Processing">Running under a lease.</param>
/// <param name="Succeeded">Finished rows kept until cleanup.</param>
/// <param name="Dead">Dead letters kept until cleanup.</param>
/// <param name="ExpiredLeases">Running jobs whose lease ran out (a worker stopped): "stuck" until reclaimed.</param>
public sealed record JobCounts(long Queued, long Retrying, long Processing, long Succeeded, long Dead, long ExpiredLeases)
{
    /// <summary>Jobs that still have to run: queued, retrying and processing.</summary>
    public long Pending => Queued + Retrying + Processing;
}
