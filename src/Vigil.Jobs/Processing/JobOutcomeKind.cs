namespace Vigil.Jobs.Processing;

/// <summary>What happened to one attempt of a job.</summary>
public enum JobOutcomeKind
{
    /// <summary>Done: the job moves to the finished jobs.</summary>
    Succeeded,

    /// <summary>Failed, try again (after the retry policy's delay or the one given); the last attempt dead-letters the job.</summary>
    Retry,

    /// <summary>Not now (a circuit breaker is open, a rate limit is hit): run again later without using an attempt.</summary>
    Postpone,

    /// <summary>Failed for good: dead-letter the job without further attempts.</summary>
    Fail,
}
