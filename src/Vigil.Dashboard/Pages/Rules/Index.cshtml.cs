using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Alerts;
using Vigil.Delivery.Channels;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Pages.Rules;

/// <summary>One rule in the list, with its open alerts.</summary>
/// <param name="Stored">The rule as stored.</param>
/// <param name="Firing">Its alerts firing now.</param>
/// <param name="Pending">Its alerts waiting for <c>forSeconds</c>.</param>
public sealed record RuleRow(StoredRule Stored, int Firing, int Pending);

/// <summary>The alert rules (seed 004 <c>/settings/alerts/config</c>): the list with an enable toggle.</summary>
public sealed class IndexModel(RuleRepository rules, AlertRepository alerts, ChannelStore channels) : PageModel
{
    private IReadOnlyDictionary<string, ChannelEntry> _channels = new Dictionary<string, ChannelEntry>();

    /// <summary>Every rule, by name.</summary>
    public IReadOnlyList<RuleRow> Rows { get; private set; } = [];

    /// <summary>A channel's name (its id when it no longer exists).</summary>
    public string ChannelName(string id) => _channels.TryGetValue(id, out var channel) ? channel.Definition.Name : id;

    /// <summary>Reads the rules and their open alerts (two queries, whatever the number of rules; the channels are cached).</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var stored = await rules.ListAsync(cancellationToken).ConfigureAwait(false);
        var open = await alerts.OpenAsync(cancellationToken).ConfigureAwait(false);
        _channels = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
        var byRule = open.GroupBy(a => a.RuleId, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => (Firing: g.Count(a => a.Status is AlertStatus.Firing or AlertStatus.Acknowledged or AlertStatus.Silenced), Pending: g.Count(a => a.Status == AlertStatus.Pending)),
            StringComparer.Ordinal);
        Rows = [.. stored
            .OrderBy(r => r.Rule.Name, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Rule.Id, StringComparer.Ordinal)
            .Select(r => byRule.TryGetValue(r.Rule.Id, out var counts) ? new RuleRow(r, counts.Firing, counts.Pending) : new RuleRow(r, 0, 0))];
    }
}
