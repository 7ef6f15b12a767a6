using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Delivery.Channels;
using Vigil.Storage.Alerts;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Pages.Rules;

/// <summary>A channel a rule can notify.</summary>
/// <param name="Id">Its id (what the rule stores).</param>
/// <param name="Text">What the form shows.</param>
public sealed record ChannelChoice(string Id, string Text);

/// <summary>
/// One rule's form (<c>/rules/{id}</c>, <c>/rules/new</c>): every field of the API's rule body,
/// sent as JSON to the API so its checks and its field errors are the only ones; a Test button
/// replays the rule as typed before it is saved. Viewers see it read-only.
/// </summary>
public sealed class EditModel(RuleRepository rules, ChannelStore channels, MetricStore metrics) : PageModel
{
    /// <summary>The id meaning "a new rule".</summary>
    public const string NewId = "new";

    // The datalist names at most this many metrics.
    private const int MaxMetricNames = 1000;

    /// <summary>Whether this is the form of a new rule.</summary>
    public bool IsNew { get; private set; }

    /// <summary>Whether the id named no rule (the page is a 404).</summary>
    public bool Missing { get; private set; }

    /// <summary>The id asked for.</summary>
    public string Id { get; private set; } = "";

    /// <summary>The rule as stored (defaults for a new one).</summary>
    public AlertRule Rule { get; private set; } = new() { Id = "", Name = "", Metric = "" };

    /// <summary>The stored rule; null for a new one.</summary>
    public StoredRule? Stored { get; private set; }

    /// <summary>The channels to choose from, with any the rule names that no longer exist.</summary>
    public IReadOnlyList<ChannelChoice> Channels { get; private set; } = [];

    /// <summary>The metric names Vigil knows, for the metric field's suggestions.</summary>
    public IReadOnlyList<string> MetricNames { get; private set; } = [];

    /// <summary>Whether the signed-in user may change rules.</summary>
    public bool CanEdit => User.IsInRole(UserRoles.Admin);

    /// <summary>Reads the rule and the choices.</summary>
    public async Task<IActionResult> OnGetAsync(string? id)
    {
        id ??= string.Empty; // model binding makes a blank segment (/x/%20) null: no such item
        var cancellationToken = HttpContext.RequestAborted;
        Id = id;
        if (id == NewId)
        {
            if (!CanEdit)
            {
                return Forbid();
            }

            IsNew = true;
        }
        else if (id.Length > 200 || await rules.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            Missing = true;
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        else
        {
            Stored = stored;
            Rule = stored.Rule;
        }

        var known = await channels.AllAsync(cancellationToken).ConfigureAwait(false);
        var choices = known.Values
            .Select(c => new ChannelChoice(c.Definition.Id, $"{c.Definition.Name} ({c.Definition.Type.ToString().ToLowerInvariant()})"))
            .OrderBy(c => c.Text, StringComparer.OrdinalIgnoreCase)
            .ToList();
        foreach (var missing in Rule.Channels.Concat(Rule.EscalationChannels).Distinct(StringComparer.Ordinal).Where(c => !known.ContainsKey(c)))
        {
            choices.Add(new ChannelChoice(missing, $"{missing} (no longer exists)"));
        }

        Channels = choices;
        MetricNames = [.. metrics.Families.Select(f => f.Name).Order(StringComparer.Ordinal).Take(MaxMetricNames)];
        return Page();
    }
}
