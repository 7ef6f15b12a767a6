using System.Buffers.Binary;
using System.Diagnostics;

namespace Vigil.Client;

/// <summary>
/// What the client's tracing shares: its <see cref="ActivitySource"/>, the mark the request
/// tracking middleware leaves on the request's activity, head sampling, and the switch that keeps
/// the client's own calls to Vigil from being traced.
/// </summary>
internal static class VigilTracing
{
    /// <summary>ASP.NET Core's source of incoming requests' activities.</summary>
    public const string AspNetCoreSource = "Microsoft.AspNetCore";

    /// <summary>The custom property the middleware sets on a request's activity: its <c>HttpContext</c>.</summary>
    public const string RequestProperty = "Vigil.Client.Request";

    private static readonly AsyncLocal<bool> SuppressedFlow = new();

    /// <summary>The client's own source (custom transactions and spans).</summary>
    public static ActivitySource Source { get; } = new(VigilClientOptions.ActivitySourceName, typeof(VigilTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Whether the current flow is the client sending to Vigil (never traced, or every export would make spans to export).</summary>
    public static bool Suppressed => SuppressedFlow.Value;

    /// <summary>Marks the current async flow, until the calling method returns, as the client's own traffic.</summary>
    public static void Suppress() => SuppressedFlow.Value = true;

    /// <summary>
    /// Whether a root trace is recorded at <paramref name="rate"/>: from the trace id's first 8 bytes
    /// (as OpenTelemetry's ratio sampler decides), so every process judges a trace alike.
    /// </summary>
    public static bool IsSampled(ActivityTraceId traceId, double rate)
    {
        if (rate >= 1)
        {
            return true;
        }

        if (rate <= 0)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        traceId.CopyTo(bytes);
        var value = BinaryPrimitives.ReadInt64BigEndian(bytes);
        var magnitude = value == long.MinValue ? long.MaxValue : Math.Abs(value);
        return magnitude < (long)(rate * long.MaxValue);
    }

    /// <summary>The request the activity (or one of its ancestors) serves, when the middleware marked it.</summary>
    public static Microsoft.AspNetCore.Http.HttpContext? RequestOf(Activity? activity)
    {
        for (var current = activity; current is not null; current = current.Parent)
        {
            if (current.GetCustomProperty(RequestProperty) is Microsoft.AspNetCore.Http.HttpContext context)
            {
                return context;
            }
        }

        return null;
    }
}
