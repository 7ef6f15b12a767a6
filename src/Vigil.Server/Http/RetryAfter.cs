using System.Threading.RateLimiting;

namespace Vigil.Server.Http;

/// <summary>Reading a refused lease's <c>Retry-After</c> as whole seconds for the header.</summary>
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
        response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
