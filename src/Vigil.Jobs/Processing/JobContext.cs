using Vigil.Jobs.Queue;
namespace Vigil.Jobs.Processing;

/// <summary>The job an <see cref="IJobHandler"/> is asked to run.</summary>
public sealed class JobContext
{
    internal JobContext(ClaimedJob job)
    {
        Id = job.Id;
        Type = job.Type;
        Payload = job.Payload;
        IdempotencyKey = job.IdempotencyKey;
        ConcurrencyKey = job.ConcurrencyKey;
        Attempt = job.Attempts;
        MaxAttempts = job.MaxAttempts;
        CreatedAt = job.CreatedAt;
        LastError = job.LastError;
    }

    /// <summary>The job id, stable across attempts.</summary>
    public long Id { get; }

    /// <summary>The job type.</summary>
    public string Type { get; }

    /// <summary>The payload as enqueued.</summary>
    public string Payload { get; }

    /// <summary>The idempotency key, if the job has one.</summary>
    public string? IdempotencyKey { get; }

    /// <summary>The concurrency key, if the job has one.</summary>
    public string? ConcurrencyKey { get; }

    /// <summary>This attempt's number, from 1.</summary>
    public int Attempt { get; }

    /// <summary>Attempts allowed in all.</summary>
    public int MaxAttempts { get; }

    /// <summary>Whether a retry after this attempt would dead-letter the job instead.</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    /// <summary>When the job was first enqueued.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The error of the previous attempt, if any.</summary>
    public string? LastError { get; }
}
