namespace Vigil.Jobs.Queue;

/// <summary>Where a job is in its life.</summary>
public enum JobState
{
    /// <summary>Waiting to run for the first time (possibly scheduled for later).</summary>
    Queued,

    /// <summary>Waiting for another attempt after one failed (pending retry).</summary>
    Retrying,

    /// <summary>Claimed by a worker under a lease.</summary>
    Processing,

    /// <summary>Finished successfully.</summary>
    Succeeded,

    /// <summary>Dead-lettered: failed permanently or used its last attempt. Can be replayed.</summary>
    Dead,
}
