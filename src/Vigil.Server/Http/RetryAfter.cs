using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Vigil.Server.Http;

/// <summary>
/// The one way the server answers "not now": a <c>problem+json</c> with a <c>Retry-After</c>
/// header in whole seconds (at least 1). Every 429 goes through <see cref="TooManyRequests"/>,
/// and a retryable 503 through <see cref="Problem"/>.
/// </summary>
internal static class RetryAfter
{
    /// <summary>The lease's retry-after rounded up to whole seconds (at least 1).</summary>
    public static int Seconds(RateLimitLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Seconds(wait) : 1;
    }

    /// <summary>A wait rounded up to whole seconds (at least 1).</summary>
    public static int Seconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);

    /// <summary>Sets the <c>Retry-After</c> header.</summary>
    public static void Set(HttpResponse response, int seconds)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A 429 problem; <c>Retry-After</c> is set on <paramref name="response"/>.</summary>
    /// <param name="response">The response the header goes on.</param>
    /// <param name="seconds">How long to wait, in seconds (at least 1 is sent).</param>
    /// <param name="title">The problem's title.</param>
    /// <param name="detail">What limit was hit (its setting) and what to do.</param>
    public static ProblemHttpResult TooManyRequests(HttpResponse response, int seconds, string title, string detail) =>
        Problem(response, StatusCodes.Status429TooManyRequests, seconds, title, detail);

    /// <summary>A retryable problem of any status (429, 503); <c>Retry-After</c> is set on <paramref name="response"/>.</summary>
    public static ProblemHttpResult Problem(HttpResponse response, int status, int seconds, string title, string detail)
    {
        Set(response, seconds);
        return Problems.Status(status, title, detail);
    }
}
