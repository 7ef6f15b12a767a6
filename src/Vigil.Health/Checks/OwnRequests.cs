namespace Vigil.Health.Checks;

/// <summary>The series of Vigil's own request timings, which the advanced check reads.</summary>
public static class OwnRequests
{
    /// <summary>
    /// <c>vigil_http_request_duration_ms{route,method,status}</c>: every request Vigil served, by
    /// route template (recorded by the server's self-metrics middleware).
    /// </summary>
    public const string Metric = "vigil_http_request_duration_ms";
}
