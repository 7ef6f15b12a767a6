using Vigil.Monitoring.Definitions;

namespace Vigil.Monitoring.Checks;

/// <summary>What one check found.</summary>
/// <param name="Status">Up, degraded or down (never pending: retries are the scheduler's business).</param>
/// <param name="ResponseMs">How long the target took to answer; null when it did not answer (or for a heartbeat).</param>
/// <param name="StatusCode">The HTTP status of the answer, when there was one.</param>
/// <param name="Message">Why it is down or degraded; null when it passed cleanly.</param>
/// <param name="CertificateExpiresAt">When the target's TLS certificate expires, when it was seen.</param>
public sealed record CheckResult(MonitorStatus Status, double? ResponseMs, int? StatusCode, string? Message, DateTimeOffset? CertificateExpiresAt = null)
{
    /// <summary>A failed check.</summary>
    public static CheckResult Down(string message, double? responseMs = null, int? statusCode = null, DateTimeOffset? certificateExpiresAt = null) =>
        new(MonitorStatus.Down, responseMs, statusCode, message, certificateExpiresAt);
}
