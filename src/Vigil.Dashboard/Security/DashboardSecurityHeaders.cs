using Microsoft.AspNetCore.Mvc.Filters;

namespace Vigil.Dashboard.Security;

/// <summary>
/// The Content Security Policy of every dashboard page: scripts, styles and fetches from this
/// origin only, no inline script or style at all, no framing, forms post only here.
/// </summary>
internal sealed class DashboardSecurityHeaders : IResultFilter
{
    /// <summary>The policy.</summary>
    public const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    public void OnResultExecuting(ResultExecutingContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.CacheControl = "no-store";
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
