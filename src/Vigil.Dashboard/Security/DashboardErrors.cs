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
        var status = http.Response.StatusCode;
        if (DashboardCookie.IsApi(http.Request.Path) || !http.Request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            await http.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext { HttpContext = http }).ConfigureAwait(false);
            return;
        }

        var title = WebUtility.HtmlEncode(ReasonPhrases.GetReasonPhrase(status));
        var detail = status == StatusCodes.Status404NotFound ? "There is no page at this address." : "The request could not be answered.";
        http.Response.ContentType = "text/html; charset=utf-8";
        http.Response.Headers.ContentSecurityPolicy = DashboardSecurityHeaders.Policy;
        await http.Response.WriteAsync($"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · Vigil</title>
            <link rel="stylesheet" href="{DashboardAssets.Url("css/vigil.css")}"></head>
            <body><main id="main"><section class="narrow"><h1>{status} {title}</h1><p>{detail}</p><p><a href="/">Back to the overview</a></p></section></main></body>
            </html>
            """, http.RequestAborted).ConfigureAwait(false);
    }
}
