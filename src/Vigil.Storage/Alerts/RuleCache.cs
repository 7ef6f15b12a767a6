using Vigil.Core.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>
/// The rules in memory for the engine: reloaded when this process changes a rule
/// (<see cref="Invalidate"/>) and at least every <see cref="MaxAge"/>, so changes made by
/// another process on the same database apply within seconds.
/// </summary>
public sealed class RuleCache(RuleRepository repository, TimeProvider time) : IRuleSource
{
    /// <summary>How long loaded rules are trusted.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private IReadOnlyList<AlertRule>? _rules;
    private long _loadedAt;
    private int _version;

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<AlertRule>> GetRulesAsync(CancellationToken cancellationToken)
    {
        var version = Volatile.Read(ref _version);
        if (_rules is { } rules && time.GetElapsedTime(_loadedAt) < MaxAge)
        {
            return rules;
        }

        var loaded = (await repository.ListAsync(cancellationToken).ConfigureAwait(false)).Select(r => r.Rule).ToArray();
        if (Volatile.Read(ref _version) == version)
        {
            _rules = loaded;
            _loadedAt = time.GetTimestamp();
        }

        return loaded;
    }

    /// <summary>Forgets the loaded rules: the next read loads them again.</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _version);
        _rules = null;
    }
}
