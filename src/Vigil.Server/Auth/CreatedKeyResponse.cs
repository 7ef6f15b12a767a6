namespace Vigil.Server.Auth;

/// <summary>A created key: the secret is in this answer only.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Name">Name.</param>
/// <param name="Role">Role.</param>
/// <param name="Key">The secret.</param>
/// <param name="CreatedAt">Creation time.</param>
public sealed record CreatedKeyResponse(string Id, string Name, string Role, string Key, DateTimeOffset CreatedAt);
