namespace Vigil.Storage.Monitors;

/// <summary>What a monitor's checks left: its status and since when, failures in a row, the last check.</summary>
/// <param name="Status"><c>up</c>, <c>degraded</c>, <c>pending</c> (failing, retries left) or <c>down</c>; null before the first check.</param>
/// <param name="StatusSinceMs">Since when it has had that status (Unix ms).</param>
/// <param name="ConsecutiveFailures">Failed checks in a row.</param>
/// <param name="LastCheckAtMs">When it was last checked (Unix ms).</param>
/// <param name="LastResponseMs">The last check's response time.</param>
/// <param name="LastError">The last check's error or warning; null when it passed cleanly.</param>
/// <param name="CertificateExpiresAtMs">When the target's TLS certificate expires (Unix ms), when known.</param>
public sealed record MonitorStateRecord(
    string? Status, long? StatusSinceMs, long ConsecutiveFailures, long? LastCheckAtMs, double? LastResponseMs, string? LastError, long? CertificateExpiresAtMs)
{
    /// <summary>The state of a monitor never checked.</summary>
    public static readonly MonitorStateRecord Empty = new(null, null, 0, null, null, null, null);
}
