using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Vigil.Server.Http;

/// <summary>
/// Enforces the request line and header limits (<see cref="HttpOptions"/>) before anything else
/// runs, with a <c>problem+json</c> answer. Kestrel refuses what is over its own limits before
/// any middleware runs and without a body, so its limits are set <see cref="HttpOptions.KestrelHeadroom"/>
/// times higher and Vigil's are the ones a client meets.
/// </summary>
internal sealed class RequestLimitsMiddleware(RequestDelegate next, IOptions<HttpOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var limits = options.Value;
        var request = context.Request;
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path + request.QueryString;

        // As Kestrel counts it: "METHOD SP target SP version CRLF".
        var line = request.Method.Length + 1 + Encoding.UTF8.GetByteCount(target) + 1 + request.Protocol.Length + 2;
        if (line > limits.MaxRequestLineBytes)
        {
            return Refuse(context, StatusCodes.Status414UriTooLong, "The request line is too long",
                $"The request line is {line} bytes; at most {limits.MaxRequestLineBytes} are accepted (Vigil:Http:MaxRequestLineBytes).");
        }

        if (request.Headers.Count > limits.MaxRequestHeaderCount)
        {
            return Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "Too many request headers",
                $"The request has {request.Headers.Count} headers; at most {limits.MaxRequestHeaderCount} are accepted (Vigil:Http:MaxRequestHeaderCount).");
        }

        long headers = 0;
        foreach (var (name, values) in request.Headers)
        {
            foreach (var value in values)
            {
                // "name: value CRLF"
                headers += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value ?? "") + 4;
            }
        }

        return headers > limits.MaxRequestHeadersBytes
            ? Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, "The request headers are too large",
                $"The request headers are {headers} bytes; at most {limits.MaxRequestHeadersBytes} are accepted (Vigil:Http:MaxRequestHeadersBytes).")
            : next(context);
    }

    /// <summary>Kestrel's limits: <see cref="HttpOptions.KestrelHeadroom"/> times Vigil's.</summary>
    public static void ConfigureKestrel(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits kestrel, HttpOptions limits)
    {
        kestrel.MaxRequestLineSize = limits.MaxRequestLineBytes * HttpOptions.KestrelHeadroom;
        kestrel.MaxRequestHeadersTotalSize = limits.MaxRequestHeadersBytes * HttpOptions.KestrelHeadroom;
        kestrel.MaxRequestHeaderCount = limits.MaxRequestHeaderCount * HttpOptions.KestrelHeadroom;
    }

    private static Task Refuse(HttpContext context, int status, string title, string detail)
    {
        // A client that sends this much is not worth keeping the connection open for.
        context.Response.Headers.Connection = "close";
        return Problems.Status(status, title, detail).ExecuteAsync(context);
    }
}
