using System.Net;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Dashboard.Assets;
using Vigil.Dashboard.Auth;

namespace Vigil.Dashboard.Security;

/// <summary>
/// Answers an empty error status: a small HTML page for a browser asking for a page (an unknown
/// address is "Not found" with a link home, not a JSON document), the API's problem+json for
/// everything else.
/// </summary>
public static class DashboardErrors
{
    /// <summary>The handler for <c>UseStatusCodePages</c>.</summary>
    public static async Task WriteAsync(StatusCodeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var http = context.HttpContext;
        if (WantsPage(http))
        {
            await WritePageAsync(http).ConfigureAwait(false);
            return;
        }

        await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext { HttpContext = http }).ConfigureAwait(false);
    }

    /// <summary>Whether the request is a browser's for a page (not the API's, and accepting HTML): its errors are pages.</summary>
    public static bool WantsPage(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return !DashboardCookie.IsApi(http.Request.Path)
            && http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Writes the error page of the response's status code: what happened in words, and a way back.</summary>
    public static Task WritePageAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var status = http.Response.StatusCode;
        var title = WebUtility.HtmlEncode(ReasonPhrases.GetReasonPhrase(status));
        var detail = status switch
        {
            StatusCodes.Status400BadRequest => "The request was malformed, or the form had expired: go back, reload the page and try again.",
            StatusCodes.Status403Forbidden => "Your account may not do this.",
            StatusCodes.Status404NotFound => "There is no page at this address.",
            StatusCodes.Status413PayloadTooLarge => "The form sent was too large.",
            StatusCodes.Status503ServiceUnavailable => "The database is unavailable: try again in a moment.",
            >= 500 => "Something went wrong on Vigil's side. The error was logged; try again, and tell your administrator if it lasts.",
            _ => "The request could not be answered.",
        };
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.ContentSecurityPolicy = DashboardSecurityHeaders.Policy;
        return http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Vigil</title>
            <link rel="stylesheet" href="{DashboardAssets.Url("css/vigil.css")}"></head>
            <body><main id="main"><section class="narrow"><h1>{status} {title}</h1><p>{detail}</p><p><a href="/">Back to the overview</a></p></section></main></body>
            </html>
            """, http.RequestAborted);
    }
}
