namespace Vigil.Server.Auth;

/// <summary>The body of <c>POST /api/v1/keys</c>.</summary>
public sealed class CreateKeyRequest
{
    /// <summary>A name to recognise the key by.</summary>
    public string? Name { get; set; }

    /// <summary><c>ingest</c>, <c>viewer</c> or <c>admin</c>.</summary>
    public string? Role { get; set; }

    /// <summary>Optional: the most series this key's batches may hold (a whole number from 1 to 100 000 000); default <c>Vigil:Quotas:SeriesPerKey</c>.</summary>
    public double? SeriesQuota { get; set; }

    /// <summary>Optional: the points per second this key may send (a whole number from 1 to 100 000 000); default <c>Vigil:Quotas:PointsPerSecondPerKey</c>.</summary>
    public double? PointsPerSecondQuota { get; set; }
}
