namespace Vigil.Server.Http;

/// <summary>
/// Refuses a request whose query string names or carries a NUL (<c>%00</c>), before any endpoint
/// reads it: no parameter needs one, and PostgreSQL's text cannot hold it (a lookup by such an
/// id answered "the database is unavailable"). A 400 naming the parameter.
/// </summary>
internal sealed class QueryTextCheck(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.QueryString.Value is { } query && query.Contains("%00", StringComparison.Ordinal))
        {
            foreach (var (name, values) in context.Request.Query)
            {
                if (ValidText.HoldsNul(name) || values.Any(ValidText.HoldsNul))
                {
                    return Problems.Field(name.Replace("\0", "%00", StringComparison.Ordinal), ValidText.NulInQueryMessage).ExecuteAsync(context);
                }
            }
        }

        return next(context);
    }
}
