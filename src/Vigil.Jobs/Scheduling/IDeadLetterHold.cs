namespace Vigil.Jobs.Scheduling;

/// <summary>
/// Names the concurrency keys whose dead letters the <see cref="BuiltInSchedules.DeadLetterRetry"/> run
/// must leave dead for now, because they would only fail again (a destination whose circuit breaker
/// is open, a disabled channel). Register any number with <c>services.AddSingleton&lt;IDeadLetterHold, T&gt;()</c>.
/// </summary>
public interface IDeadLetterHold
{
    /// <summary>The concurrency keys held now.</summary>
    ValueTask<IReadOnlyCollection<string>> HeldKeysAsync(CancellationToken cancellationToken);
}
