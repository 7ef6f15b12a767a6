using System.Security.Cryptography;
using System.Text;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Live;

/// <summary>One firing alert as the banner shows it.</summary>
/// <param name="Id">The alert's id.</param>
/// <param name="RuleName">Its rule's name (the id when the rule is gone).</param>
/// <param name="Severity">Its severity.</param>
/// <param name="Group">Its group's labels (service, route...), as text.</param>
/// <param name="Value">The value that broke the threshold.</param>
/// <param name="Threshold">The threshold.</param>
/// <param name="FiringSince">When it fired.</param>
/// <param name="Escalated">Whether it has been escalated.</param>
public sealed record BannerAlert(string Id, string RuleName, Severity Severity, string Group, double? Value, double? Threshold, DateTimeOffset? FiringSince, bool Escalated);

/// <summary>What the banner shows, and a version that changes when it does.</summary>
/// <param name="Alerts">The first <see cref="AlertBanner.Shown"/> firing alerts, most severe and oldest first.</param>
/// <param name="Total">How many alerts are firing in all.</param>
/// <param name="Version">Changes whenever the list does: a poll with the same version gets 204 and nothing is redrawn.</param>
/// <param name="LiveIntervalMs">How often the page asks again.</param>
public sealed record BannerView(IReadOnlyList<BannerAlert> Alerts, int Total, string Version, int LiveIntervalMs)
{
    /// <summary>The CSS class of the banner: the most severe alert's (critical red, error orange, warning yellow).</summary>
    public string SeverityClass => Alerts.Count == 0 ? "none" : Alerts[0].Severity switch
    {
        Severity.Critical => "critical",
        Severity.Error => "error",
        _ => "warning",
    };
}

/// <summary>
/// The alert banner of every page (seed 004): the alerts that are firing now and that nobody has
/// acknowledged or silenced. Pages poll it; it answers 204 when nothing changed.
/// </summary>
public sealed class AlertBanner(AlertRepository alerts, IRuleSource rules, Microsoft.Extensions.Options.IOptions<DashboardOptions> options)
{
    /// <summary>The most alerts the banner lists (the rest are a link to the alerts page): every page carries it.</summary>
    public const int Shown = 10;

    /// <summary>The banner as it is now.</summary>
    public async Task<BannerView> LoadAsync(CancellationToken cancellationToken)
    {
        var open = await alerts.OpenAsync(cancellationToken).ConfigureAwait(false);
        var names = (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Id, r => r.Name, StringComparer.Ordinal);
        var firing = open
            .Where(a => a.Status == AlertStatus.Firing)
            .OrderByDescending(a => a.Severity).ThenBy(a => a.FiringSince ?? a.StartedAt).ThenBy(a => a.Id, StringComparer.Ordinal)
            .Select(a => new BannerAlert(a.Id, names.GetValueOrDefault(a.RuleId, a.RuleId), a.Severity, Describe(a.Group), a.Value, a.Threshold, a.FiringSince, a.Escalated))
            .ToList();
        var version = new StringBuilder().Append(firing.Count).Append('\n');
        foreach (var alert in firing.Take(Shown))
        {
            version.Append(alert.Id).Append(alert.Severity).Append(alert.Escalated).Append(alert.RuleName).Append('\n');
        }

        return new BannerView([.. firing.Take(Shown)], firing.Count, Hash(version.ToString()), (int)options.Value.LiveInterval.TotalMilliseconds);
    }

    /// <summary>Labels as <c>service=api, route=/orders</c>.</summary>
    public static string Describe(LabelSet labels) =>
        string.Join(", ", labels.Pairs.Select(p => $"{p.Key}={p.Value}"));

    internal static string Hash(string text) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));
}
