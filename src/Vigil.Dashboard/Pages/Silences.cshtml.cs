using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Pages;

/// <summary>Silences: those in force or to come, those ended in the last week, and (for admins) a create form.</summary>
public sealed class SilencesModel(SilenceRepository silences, IRuleSource rules, TimeProvider time) : PageModel
{
    /// <summary>How far back ended silences are listed.</summary>
    public static readonly TimeSpan ExpiredShown = TimeSpan.FromDays(7);

    /// <summary>Now, for telling active from expired.</summary>
    public DateTimeOffset Now { get; private set; }

    /// <summary>Silences in force or starting later, ending soonest first.</summary>
    public IReadOnlyList<Silence> Active { get; private set; } = [];

    /// <summary>Silences that ended in the last <see cref="ExpiredShown"/>, most recent first.</summary>
    public IReadOnlyList<Silence> Expired { get; private set; } = [];

    /// <summary>Rules by id (names, and the form's choices).</summary>
    public IReadOnlyDictionary<string, AlertRule> Rules { get; private set; } = new Dictionary<string, AlertRule>();

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Now = time.GetUtcNow();
        Rules = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, StringComparer.Ordinal);
        var list = await silences.ListAsync((Now - ExpiredShown).ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        Active = [.. list.Where(s => s.EndsAt > Now).OrderBy(s => s.EndsAt)];
        Expired = [.. list.Where(s => s.EndsAt <= Now).OrderByDescending(s => s.EndsAt)];
    }

    /// <summary>What a silence matches, in words.</summary>
    public string Matches(Silence silence)
    {
        ArgumentNullException.ThrowIfNull(silence);
        var parts = new List<string>();
        if (silence.RuleId is { } ruleId)
        {
            parts.Add("rule " + (Rules.TryGetValue(ruleId, out var rule) ? rule.Name : ruleId));
        }

        if (silence.Severity is { } severity)
        {
            parts.Add("severity " + severity.ToWire());
        }

        parts.AddRange(silence.Labels.Select(l => $"{l.Key}={l.Value}"));
        return parts.Count == 0 ? "every alert" : string.Join(", ", parts);
    }
}
