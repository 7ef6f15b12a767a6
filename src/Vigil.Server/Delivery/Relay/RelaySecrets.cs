using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Delivery.Relay;

/// <summary>
/// Relay endpoint secrets: encrypted at rest with Data Protection, masked when shown, and checked
/// in constant time against what a caller sends (<c>X-Relay-Secret</c> or <c>Authorization: Bearer</c>).
/// </summary>
internal static class RelaySecrets
{
    /// <summary>What the API shows (and accepts back unchanged) in place of a set secret.</summary>
    public const string Masked = "********";

    public static IDataProtector Protector(IDataProtectionProvider protection) => protection.CreateProtector("Vigil.RelaySecrets.v1");

    /// <summary>
    /// Whether the call may use the endpoint: it sends the endpoint's secret, or the endpoint has
    /// none and takes calls from anyone by explicit choice.
    /// </summary>
    public static bool Admits(StoredRelayEndpoint endpoint, HttpRequest request, IDataProtectionProvider protection) =>
        endpoint.Secret is { } protectedSecret
            ? Matches(request, Protector(protection).Unprotect(protectedSecret))
            : endpoint.AllowUnauthenticated;

    private static bool Matches(HttpRequest request, string secret)
    {
        var given = request.Headers["X-Relay-Secret"].ToString();
        if (given.Length == 0 && request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            given = authorization["Bearer ".Length..].Trim();
        }

        return given.Length > 0 && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(secret));
    }
}
