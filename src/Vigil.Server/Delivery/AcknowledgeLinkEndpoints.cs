using System.Net;
using System.Text;
using Vigil.Core.Alerts;
using Vigil.Delivery.Acknowledge;
using Vigil.Server.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Delivery;

/// <summary>
/// <c>GET /ack/{token}</c> shows the alert and a button; <c>POST /ack/{token}</c> acknowledges it.
/// The token is the credential (see <see cref="AcknowledgeLinks"/>).
/// </summary>
internal static class AcknowledgeLinkEndpoints
{
    /// <summary>Who acknowledged, in the alert's history.</summary>
    public const string By = "acknowledge link";

    public static IEndpointRouteBuilder MapAcknowledgeLinkEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ack/{token}", ShowAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/ack/{token}", AcknowledgeAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ShowAsync(string token, AcknowledgeLinks links, AlertRepository alerts, IRuleSource rules, CancellationToken cancellationToken)
    {
        if (links.Read(token) is not { } alertId || await alerts.GetAsync(alertId, cancellationToken).ConfigureAwait(false) is not { } alert)
        {
            return Page(StatusCodes.Status404NotFound, "Link not valid", "<p>This acknowledge link is not valid or has expired. Acknowledge the alert in Vigil instead.</p>");
        }

        var name = await RuleNameAsync(rules, alert.RuleId, cancellationToken).ConfigureAwait(false);
        var body = new StringBuilder();
        body.Append("<p><strong>").Append(Html(name)).Append("</strong> ").Append(Html(alert.Group.ToString())).Append("</p>");
        body.Append("<p>Status: <strong>").Append(Html(alert.Status.ToWire())).Append("</strong>, severity ").Append(Html(alert.Severity.ToWire())).Append("</p>");
        if (alert.Status is AlertStatus.Firing or AlertStatus.Pending or AlertStatus.Silenced)
        {
            body.Append("<form method=\"post\"><button type=\"submit\">Acknowledge</button></form>");
        }

        return Page(StatusCodes.Status200OK, "Acknowledge alert", body.ToString());
    }

    private static async Task<IResult> AcknowledgeAsync(string token, AcknowledgeLinks links, AlertEngine engine, AlertRepository alerts, IRuleSource rules, CancellationToken cancellationToken)
    {
        if (links.Read(token) is not { } alertId)
        {
            return Page(StatusCodes.Status404NotFound, "Link not valid", "<p>This acknowledge link is not valid or has expired.</p>");
        }

        var result = await engine.ApplyAsync(alertId, (rule, alert, now, silenced) => AlertLifecycle.Acknowledge(rule, alert, now, By, "from a notification link", silenced), cancellationToken).ConfigureAwait(false);
        var alert = result?.Alert ?? await alerts.GetAsync(alertId, cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return Page(StatusCodes.Status404NotFound, "Alert not found", "<p>The alert no longer exists.</p>");
        }

        var name = await RuleNameAsync(rules, alert.RuleId, cancellationToken).ConfigureAwait(false);
        return alert.Status == AlertStatus.Acknowledged
            ? Page(StatusCodes.Status200OK, "Acknowledged", $"<p><strong>{Html(name)}</strong> {Html(alert.Group.ToString())} is acknowledged: no more repeats or escalation.</p>")
            : Page(StatusCodes.Status409Conflict, "Not acknowledged", $"<p><strong>{Html(name)}</strong> is {Html(alert.Status.ToWire())}; only an open alert can be acknowledged.</p>");
    }

    private static async Task<string> RuleNameAsync(IRuleSource rules, string ruleId, CancellationToken cancellationToken) =>
        (await rules.GetRulesAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Id == ruleId)?.Name ?? ruleId;

    private static IResult Page(int status, string title, string body) => Results.Content(
        $$"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <meta name="robots" content="noindex"><title>Vigil: {{Html(title)}}</title>
        <style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1.25rem}</style></head>
        <body><h1>{{Html(title)}}</h1>{{body}}</body></html>
        """, "text/html; charset=utf-8", Encoding.UTF8, status);

    private static string Html(string text) => WebUtility.HtmlEncode(text);
}
