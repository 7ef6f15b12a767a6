using System.ComponentModel;

namespace Vigil.Monitoring.StatusPage;

/// <summary>
/// What the public status page shows: only monitors marked public, by their public name, with
/// no target, address, header or error text (those can carry internals).
/// </summary>
/// <param name="Title">The page's title (<see cref="StatusPageOptions.Title"/>).</param>
/// <param name="Description">The paragraph under it, if any.</param>
/// <param name="Footer">The line at its foot, if any.</param>
/// <param name="GeneratedAt">When the view was computed.</param>
/// <param name="Overall">The banner: <see cref="StatusPageReader.Operational"/>, <c>degraded</c>, <c>partial_outage</c>, <c>major_outage</c> or <c>maintenance</c>.</param>
/// <param name="Monitors">The public monitors, by public name.</param>
/// <param name="Incidents">Their <c>system_down</c> alerts of the last 90 days, newest first.</param>
[ImmutableObject(true)]
public sealed record StatusPageView(
    string Title, string? Description, string? Footer, DateTimeOffset GeneratedAt, string Overall,
    IReadOnlyList<PublicMonitorStatus> Monitors, IReadOnlyList<StatusIncident> Incidents);

/// <summary>A public monitor on the status page.</summary>
/// <param name="Name">Its public name (or its name when it has none).</param>
/// <param name="State"><c>up</c>, <c>degraded</c> (slow, a certificate about to expire, or failing with retries left), <c>down</c>, <c>maintenance</c>, <c>paused</c> or <c>unknown</c> (not checked yet).</param>
/// <param name="Since">Since when its checks have had that status, when known.</param>
/// <param name="Uptime">Its uptime in percent (null without checks) over 24 h, 7 d, 30 d and 90 d, keyed as <see cref="StatusPageReader.Periods"/>.</param>
/// <param name="Days">The last 90 UTC days, oldest first, today last.</param>
public sealed record PublicMonitorStatus(string Name, string State, DateTimeOffset? Since, IReadOnlyDictionary<string, double?> Uptime, IReadOnlyList<StatusDay> Days);

/// <summary>One UTC day of a monitor's checks.</summary>
/// <param name="Date">The day (UTC).</param>
/// <param name="Checks">Checks outside maintenance windows.</param>
/// <param name="Down">Of them, those that failed.</param>
/// <param name="DownMinutes">About how long it was down: each failed check stands for one check interval, at most the day.</param>
public sealed record StatusDay(DateOnly Date, long Checks, long Down, int DownMinutes)
{
    /// <summary>The share of checks that passed, in percent; null for a day without checks.</summary>
    public double? Percent => Checks == 0 ? null : Math.Round(100.0 * (Checks - Down) / Checks, 3);
}

/// <summary>A public monitor's outage: its <c>system_down</c> alert, without the alert's reason.</summary>
/// <param name="Monitor">The monitor's public name.</param>
/// <param name="StartedAt">When it went down.</param>
/// <param name="ResolvedAt">When it came back; null while it is down.</param>
/// <param name="Duration">How long it was (or has been, so far) down.</param>
public sealed record StatusIncident(string Monitor, DateTimeOffset StartedAt, DateTimeOffset? ResolvedAt, TimeSpan Duration)
{
    /// <summary>Whether it is still down.</summary>
    public bool Ongoing => ResolvedAt is null;
}
