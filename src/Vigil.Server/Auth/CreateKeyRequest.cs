namespace Vigil.Server.Auth;

/// <summary>The body of <c>POST /api/v1/keys</c>.</summary>
public sealed class CreateKeyRequest
{
    /// <summary>A name to recognise the key by.</summary>
    public string? Name { get; set; }

    /// <summary><c>ingest</c>, <c>viewer</c> or <c>admin</c>.</summary>
    public string? Role { get; set; }
}
