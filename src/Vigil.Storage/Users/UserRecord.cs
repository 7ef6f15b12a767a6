namespace Vigil.Storage.Users;

/// <summary>A dashboard user account as stored (the password only as the hash the server computed).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="UserName">The name as the user typed it; unique without regard to case.</param>
/// <param name="PasswordHash">The password hash, stored as given.</param>
/// <param name="Role"><see cref="UserRoles.Viewer"/> or <see cref="UserRoles.Admin"/>.</param>
/// <param name="Stamp">A random value replaced whenever the password or role changes: a signed-in session carries it and is refused once it differs.</param>
/// <param name="FailedAttempts">Failed sign-ins since the last success or lock-out.</param>
/// <param name="LockedUntilMs">Until when sign-in is refused, Unix ms, or null.</param>
/// <param name="CreatedAtMs">Creation time, Unix ms.</param>
/// <param name="LastSignInAtMs">Time of the last successful sign-in, Unix ms, or null.</param>
public sealed record UserRecord(
    string Id,
    string UserName,
    string PasswordHash,
    string Role,
    string Stamp,
    int FailedAttempts,
    long? LockedUntilMs,
    long CreatedAtMs,
    long? LastSignInAtMs);
