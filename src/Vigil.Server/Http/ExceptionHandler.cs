using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Vigil.Core.Diagnostics;
using Vigil.Dashboard.Security;

namespace Vigil.Server.Http;

/// <summary>
/// Answers what escaped an endpoint as a problem: a database that is unavailable is a 503
/// (try again), anything else a 500 without internals; a browser asking for a page gets the
/// dashboard's error page instead of JSON.
/// </summary>
internal sealed partial class ExceptionHandler(IProblemDetailsService problems, ILogger<ExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var unavailable = exception is DbException or TimeoutException;
        LogUnhandled(exception, LogText.Encode(httpContext.Request.Path.Value) ?? "");
        httpContext.Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
        if (unavailable)
        {
            RetryAfter.Set(httpContext.Response, 5);
        }

        if (DashboardErrors.WantsPage(httpContext))
        {
            await DashboardErrors.WritePageAsync(httpContext).ConfigureAwait(false);
            return true;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = httpContext.Response.StatusCode,
                Title = unavailable ? "The database is unavailable" : "Unexpected error",
                Detail = unavailable ? "Nothing was recorded; send the request again." : "The error was logged.",
            },
        }).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Request to {Path} failed")]
    private partial void LogUnhandled(Exception exception, string path);
}
