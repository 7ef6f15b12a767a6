namespace Vigil.Storage.Users;

/// <summary>The outcome of a change to a user that must leave the dashboard at least one admin.</summary>
public enum UserChange
{
    /// <summary>The change was made.</summary>
    Done,

    /// <summary>No user has that id.</summary>
    NotFound,

    /// <summary>Refused: the user is the last admin, and the change would leave none.</summary>
    LastAdmin,
}
