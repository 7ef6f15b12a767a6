using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Vigil.Delivery.Acknowledge;

/// <summary>
/// Signed links that acknowledge an alert without an API key, for the Acknowledge button of
/// chat and email notifications. The token names the alert and an expiry, encrypted and
/// authenticated with Data Protection; the link opens a confirmation page, and only its POST
/// acknowledges, so mail scanners that fetch every link cannot acknowledge by accident.
/// </summary>
public sealed class AcknowledgeLinks(IDataProtectionProvider protection, IOptions<PublicLinkOptions> options, TimeProvider time)
{
    /// <summary>How long a link works.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(7);

    private readonly IDataProtector _protector = protection.CreateProtector("Vigil.AcknowledgeLink.v1");

    /// <summary>The acknowledge link of an alert.</summary>
    public string Create(string alertId)
    {
        var expires = (time.GetUtcNow() + Lifetime).ToUnixTimeSeconds();
        var token = _protector.Protect(string.Create(CultureInfo.InvariantCulture, $"{alertId}|{expires}"));
        return options.Value.Link($"/ack/{token}");
    }

    /// <summary>The alert a token names, or null when it is forged, damaged or expired.</summary>
    public string? Read(string token)
    {
        string payload;
        try
        {
            payload = _protector.Unprotect(token);
        }
        catch (CryptographicException)
        {
            return null;
        }

        var bar = payload.LastIndexOf('|');
        if (bar <= 0 || !long.TryParse(payload.AsSpan(bar + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || time.GetUtcNow().ToUnixTimeSeconds() > expires)
        {
            return null;
        }

        return payload[..bar];
    }
}
