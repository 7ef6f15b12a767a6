namespace Vigil.Storage.Coordination;

/// <summary>The answer of <see cref="ExclusiveRole.CheckAsync"/>.</summary>
/// <param name="State">Where this process stands.</param>
/// <param name="Error">What went wrong asking the database, if anything.</param>
public readonly record struct RoleCheck(RoleState State, Exception? Error)
{
    /// <summary>Whether this process holds the role now.</summary>
    public bool IsHeld => State is RoleState.Held or RoleState.Acquired;
}
