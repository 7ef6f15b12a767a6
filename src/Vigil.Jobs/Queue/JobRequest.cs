using Vigil.Jobs.Configuration;
using Vigil.Jobs.Retries;
namespace Vigil.Jobs.Queue;

/// <summary>A job to enqueue.</summary>
/// <param name="Type">
/// The job type: picks the handler, the default priority, concurrency and retry policy
/// (<see cref="JobsOptions.Types"/>). Required, at most 200 characters.
/// </param>
/// <param name="Payload">What the handler needs, usually JSON. Required (may be empty).</param>
/// <param name="IdempotencyKey">
/// When set, a second enqueue with the same key is skipped for as long as the first job exists,
/// queued, running or finished (until cleanup removes its finished row).
/// </param>
/// <param name="Priority">Overrides the type's priority; lower numbers run first (see <see cref="JobPriority"/>).</param>
/// <param name="RunAt">Not before this time; null: now.</param>
/// <param name="MaxAttempts">Overrides the retry policy's <see cref="RetryPolicy.MaxAttempts"/> for this job (at least 1).</param>
/// <param name="ConcurrencyKey">
/// Jobs with the same key, of any type, together run at most <see cref="JobsOptions.ConcurrencyKeyLimit"/>
/// at a time in a process: the key names a shared resource (a notification channel id, so one slow
/// destination is never flooded by its notification, digest and relay jobs together).
/// </param>
public sealed record JobRequest(
    string Type,
    string Payload,
    string? IdempotencyKey = null,
    int? Priority = null,
    DateTimeOffset? RunAt = null,
    int? MaxAttempts = null,
    string? ConcurrencyKey = null)
{
    /// <summary>The longest accepted <see cref="Type"/>.</summary>
    public const int MaxTypeLength = 200;

    /// <summary>Throws an <see cref="ArgumentException"/> naming what is wrong with this request.</summary>
    internal void Validate(string parameterName)
    {
        if (string.IsNullOrWhiteSpace(Type))
        {
            throw new ArgumentException("JobRequest.Type is required.", parameterName);
        }

        if (Type.Length > MaxTypeLength)
        {
            throw new ArgumentException($"JobRequest.Type is longer than {MaxTypeLength} characters.", parameterName);
        }

        if (Payload is null)
        {
            throw new ArgumentException($"JobRequest.Payload of a '{Type}' job is null; use an empty string for none.", parameterName);
        }

        if (IdempotencyKey is { Length: 0 })
        {
            throw new ArgumentException($"JobRequest.IdempotencyKey of a '{Type}' job is empty; use null for none.", parameterName);
        }

        if (ConcurrencyKey is { Length: 0 })
        {
            throw new ArgumentException($"JobRequest.ConcurrencyKey of a '{Type}' job is empty; use null for none.", parameterName);
        }

        if (MaxAttempts is < 1)
        {
            throw new ArgumentOutOfRangeException(parameterName, MaxAttempts, $"JobRequest.MaxAttempts of a '{Type}' job must be at least 1.");
        }
    }
}
