using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Auth;

/// <summary>
/// Dashboard accounts: passwords hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// (PBKDF2), lock-out after <see cref="DashboardOptions.MaxFailedSignIns"/> wrong passwords, and
/// the claims a signed-in session carries.
/// </summary>
public sealed class UserAccounts(UserRepository users, IPasswordHasher<UserRecord> hasher, IOptions<DashboardOptions> options, TimeProvider time)
{
    /// <summary>The claim holding the account's stamp: a session whose stamp is not the account's is over.</summary>
    public const string StampClaim = "vigil:stamp";

    // Verified against when the name is unknown, so that a wrong name takes as long as a wrong
    // password: made by the same hasher (its settings set the cost).
    private readonly Lazy<string> _decoyHash = new(() => hasher.HashPassword(null!, "decoy-password-for-timing"));

    /// <summary>Checks a name and password; counts failures and locks the account after too many.</summary>
    public async Task<(SignInOutcome Outcome, UserRecord? User)> SignInAsync(string userName, string password, CancellationToken cancellationToken)
    {
        var user = await users.FindByNameAsync(userName.Trim(), cancellationToken).ConfigureAwait(false);
        var outcome = await VerifyAsync(user, password, cancellationToken).ConfigureAwait(false);
        if (outcome == SignInOutcome.Succeeded)
        {
            await users.RecordSignInAsync(user!.Id, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        }

        return (outcome, outcome == SignInOutcome.Succeeded ? user : null);
    }

    /// <summary>
    /// Changes the signed-in user's own password after checking the current one (a wrong one
    /// counts as a failed sign-in); ends the account's sessions. Returns the account as it now is
    /// (with its new stamp, for the session that made the change) when it succeeded.
    /// </summary>
    public async Task<(SignInOutcome Outcome, UserRecord? User)> ChangeOwnPasswordAsync(string userId, string current, string password, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false);
        var outcome = await VerifyAsync(user, current, cancellationToken).ConfigureAwait(false);
        if (outcome != SignInOutcome.Succeeded || !await ChangePasswordAsync(user!, password, cancellationToken).ConfigureAwait(false))
        {
            return (outcome == SignInOutcome.Succeeded ? SignInOutcome.Failed : outcome, null);
        }

        return (outcome, await users.FindByIdAsync(userId, cancellationToken).ConfigureAwait(false));
    }

    // The password check of a sign-in: the same cost for an unknown account, lock-out honoured,
    // failures counted, an outdated hash upgraded.
    private async Task<SignInOutcome> VerifyAsync(UserRecord? user, string password, CancellationToken cancellationToken)
    {
        if (user is null)
        {
            hasher.VerifyHashedPassword(null!, _decoyHash.Value, password);
            return SignInOutcome.Failed;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (user.LockedUntilMs is { } until && until > now)
        {
            return SignInOutcome.LockedOut;
        }

        var verified = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verified == PasswordVerificationResult.Failed)
        {
            var settings = options.Value;
            var locked = await users.RecordFailureAsync(user.Id, settings.MaxFailedSignIns, (long)settings.LockoutDuration.TotalMilliseconds, now, cancellationToken).ConfigureAwait(false);
            return locked ? SignInOutcome.LockedOut : SignInOutcome.Failed;
        }

        if (verified == PasswordVerificationResult.SuccessRehashNeeded)
        {
            await users.SetPasswordAsync(user.Id, hasher.HashPassword(user, password), user.Stamp, cancellationToken).ConfigureAwait(false);
        }

        return SignInOutcome.Succeeded;
    }

    /// <summary>What is wrong with a user name, or null.</summary>
    public static string? CheckUserName(string? userName) => userName?.Trim() switch
    {
        null or "" => "Enter a user name.",
        { Length: > 64 } => "A user name has at most 64 characters.",
        var name when name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) => "A user name has no spaces or control characters.",
        _ => null,
    };

    /// <summary>What is wrong with a new password, or null.</summary>
    public string? CheckPassword(string? password, string? confirmation)
    {
        var minimum = options.Value.MinPasswordLength;
        if (string.IsNullOrEmpty(password) || password.Length < minimum)
        {
            return $"A password has at least {minimum} characters.";
        }

        if (password.Length > 256)
        {
            return "A password has at most 256 characters.";
        }

        return password == confirmation ? null : "The two passwords differ.";
    }

    /// <summary>A new account (not yet stored) with its password hashed.</summary>
    public UserRecord NewUser(string userName, string password, string role)
    {
        var name = userName.Trim();
        var draft = new UserRecord(NewId(), name, string.Empty, role, NewStamp(), 0, null, time.GetUtcNow().ToUnixTimeMilliseconds(), null);
        return draft with { PasswordHash = hasher.HashPassword(draft, password) };
    }

    /// <summary>Stores a new password for an account and ends its other sessions.</summary>
    public Task<bool> ChangePasswordAsync(UserRecord user, string password, CancellationToken cancellationToken) =>
        users.SetPasswordAsync(user.Id, hasher.HashPassword(user, password), NewStamp(), cancellationToken);

    /// <summary>The identity of a signed-in session.</summary>
    public static ClaimsPrincipal PrincipalOf(UserRecord user, string scheme) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, user.Id),
            new Claim(ClaimTypes.Name, user.UserName),
            new Claim(ClaimTypes.Role, user.Role),
            new Claim(StampClaim, user.Stamp),
        ],
        scheme));

    /// <summary>A fresh random stamp.</summary>
    public static string NewStamp() => WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(16));

    private static string NewId() => "usr_" + WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(9));
}
