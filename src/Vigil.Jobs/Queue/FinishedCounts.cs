namespace Vigil.Jobs.Queue;

/// <summary>Jobs that finished within a window, by outcome.</summary>
/// <param name="Succeeded">Finished successfully.</param>
/// <param name="Dead">Dead-lettered.</param>
public sealed record FinishedCounts(long Succeeded, long Dead)
{
    /// <summary>All finished jobs.</summary>
    public long Total => Succeeded + Dead;

    /// <summary>The dead-lettered share in percent (0 when none finished).</summary>
    public double FailureRatePercent => Total == 0 ? 0 : 100.0 * Dead / Total;
}
