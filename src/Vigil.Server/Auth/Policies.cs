namespace Vigil.Server.Auth;

/// <summary>The authorization policies and the roles behind them.</summary>
internal static class Policies
{
    /// <summary>Sending points: <c>ingest</c> or <c>admin</c>.</summary>
    public const string Ingest = "ingest";

    /// <summary>Reading: <c>viewer</c> or <c>admin</c>.</summary>
    public const string Viewer = "viewer";

    /// <summary>Changing configuration and keys: <c>admin</c>.</summary>
    public const string Admin = "admin";

    public static readonly string[] Roles = ["ingest", "viewer", "admin"];
}
