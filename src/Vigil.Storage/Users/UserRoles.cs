namespace Vigil.Storage.Users;

/// <summary>The roles a dashboard user can hold, as stored.</summary>
public static class UserRoles
{
    /// <summary>Sees everything, changes nothing.</summary>
    public const string Viewer = "viewer";

    /// <summary>Sees and changes everything, users included.</summary>
    public const string Admin = "admin";

    /// <summary>Whether <paramref name="role"/> is one of the roles.</summary>
    public static bool IsKnown(string? role) => role is Viewer or Admin;
}
