namespace Vigil.Dashboard.Auth;

/// <summary>How a sign-in attempt ended.</summary>
public enum SignInOutcome
{
    /// <summary>The name and password match an account that is not locked.</summary>
    Succeeded,

    /// <summary>No such account, or a wrong password (the page does not say which).</summary>
    Failed,

    /// <summary>The account is locked after too many wrong passwords.</summary>
    LockedOut,
}
