namespace Vigil.Storage.Coordination;

/// <summary>Where this process stands with an <see cref="ExclusiveRole"/>.</summary>
public enum RoleState
{
    /// <summary>Another process holds it (or the database could not be asked).</summary>
    NotHeld,

    /// <summary>This process has just taken it.</summary>
    Acquired,

    /// <summary>This process held it and still does.</summary>
    Held,

    /// <summary>This process held it until now: its connection broke.</summary>
    Lost,
}
