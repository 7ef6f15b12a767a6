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

/// <summary>The answer of <see cref="ExclusiveRole.CheckAsync"/>.</summary>
/// <param name="State">Where this process stands.</param>
/// <param name="Error">What went wrong asking the database, if anything.</param>
public readonly record struct RoleCheck(RoleState State, Exception? Error)
{
    /// <summary>Whether this process holds the role now.</summary>
    public bool IsHeld => State is RoleState.Held or RoleState.Acquired;
}
