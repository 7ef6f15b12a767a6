namespace Vigil.Server.Http;

/// <summary>
/// Headers every answer carries (<c>X-Content-Type-Options: nosniff</c>, <c>Referrer-Policy:
/// no-referrer</c>) and, on HTML, a strict Content Security Policy that forbids framing. Vigil's
/// own pages (<c>/ack</c>, the <c>/docs</c> reference page) are read whole so that their inline
/// scripts and styles are allowed by hash only (see <see cref="ContentSecurityPolicy"/>).
/// </summary>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var response = context.Response;
        response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            if (ContentSecurityPolicy.IsHtml(headers.ContentType) && string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy.Strict;
            }

            return Task.CompletedTask;
        }, response);

        var page = ContentSecurityPolicy.PageOf(context.Request.Path);
        if (page == ContentSecurityPolicy.Page.None)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        // A page is a few kilobytes; its assets (with an extension) are not read here.
        var original = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            response.Body = original;
        }

        if (ContentSecurityPolicy.IsHtml(response.ContentType))
        {
            response.Headers.ContentSecurityPolicy = ContentSecurityPolicy.For(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), page);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted).ConfigureAwait(false);
    }
}
