using Vigil.Core.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>The rules the engine evaluates (kept in memory; refreshed when rules change).</summary>
public interface IRuleSource
{
    /// <summary>Every rule, enabled or not.</summary>
    ValueTask<IReadOnlyList<AlertRule>> GetRulesAsync(CancellationToken cancellationToken);
}
