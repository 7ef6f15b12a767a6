using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Vigil.Dashboard.Auth;

/// <summary>
/// A change made through the JSON API with the session cookie must carry the page's antiforgery
/// token (header <c>RequestVerificationToken</c>): another site cannot make a signed-in browser
/// change anything. API keys are not cookies and need no token; the pages' own forms are
/// checked by Razor Pages.
/// </summary>
internal sealed class CookieApiAntiforgery(RequestDelegate next, IAntiforgery antiforgery)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.User.Identity is { IsAuthenticated: true, AuthenticationType: DashboardCookie.Scheme }
            && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
            && DashboardCookie.IsApi(context.Request.Path)
            && !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            await Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Missing or invalid antiforgery token",
                detail: "A change made with the dashboard's session must send the page's token in the 'RequestVerificationToken' header.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }
}
