using Vigil.Core.Alerts;
using Vigil.Storage.Caching;

namespace Vigil.Storage.Alerts;

/// <summary>
/// The rules for the engine and the lists, read through the cache layer (<see cref="VigilCache"/>,
/// tag <see cref="CacheTags.Rules"/>, <see cref="CacheTier.Short"/>). Every write of a rule calls
/// <see cref="InvalidateAsync"/>, which applies on every node at once.
/// </summary>
public sealed class RuleCache(RuleRepository repository, VigilCache cache) : IRuleSource, ICachePrewarm
{
    /// <summary>Every stored rule (deleted defaults aside), oldest first.</summary>
    public ValueTask<IReadOnlyList<StoredRule>> ListAsync(CancellationToken cancellationToken = default) =>
        cache.GetOrCreateAsync(CacheTags.Rules, "all", CacheTier.Short, async ct => await repository.ListAsync(ct).ConfigureAwait(false), cancellationToken);

    /// <summary>A stored rule by id, or null.</summary>
    public async ValueTask<StoredRule?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => string.Equals(r.Rule.Id, id, StringComparison.Ordinal));

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<AlertRule>> GetRulesAsync(CancellationToken cancellationToken) =>
        await cache.GetOrCreateAsync(
            CacheTags.Rules, "rules", CacheTier.Short,
            async ct => (IReadOnlyList<AlertRule>)(await ListAsync(ct).ConfigureAwait(false)).Select(r => r.Rule).ToArray(),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Forgets the cached rules on every node: call after every write of a rule.</summary>
    public ValueTask InvalidateAsync(CancellationToken cancellationToken = default) => cache.InvalidateAsync(CacheTags.Rules, cancellationToken);

    /// <inheritdoc />
    public async ValueTask PrewarmAsync(CancellationToken cancellationToken) => await GetRulesAsync(cancellationToken).ConfigureAwait(false);
}
