using Microsoft.AspNetCore.Http;

namespace Vigil.Dashboard.Auth;

/// <summary>
/// Failed sign-ins per client address, counted by the host together with failed API keys (one
/// budget per address): a wrong name or password costs a password hash, so an address that keeps
/// guessing is refused before any is computed.
/// </summary>
public interface ISignInLimiter
{
    /// <summary>Whether the request's address may try to sign in now; when not, the seconds until it may.</summary>
    bool MayTry(HttpContext context, out int retryAfterSeconds);

    /// <summary>Counts a failed sign-in against the request's address.</summary>
    void Failed(HttpContext context);
}
