using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Vigil.Dashboard.Auth;

/// <summary>
/// The one-time link that lets the first visitor create the admin account. It is made at
/// start-up when there is no user and printed to the console only (like the first admin API
/// key); it stops working once an account exists or the process restarts.
/// </summary>
public sealed class SetupLink
{
    private readonly Lock _gate = new();
    private byte[]? _token;

    /// <summary>Makes a new token and returns it (the caller prints it).</summary>
    public string Issue()
    {
        var token = RandomNumberGenerator.GetBytes(24);
        lock (_gate)
        {
            _token = token;
        }

        return WebEncoders.Base64UrlEncode(token);
    }

    /// <summary>Whether a link is open.</summary>
    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _token is not null;
            }
        }
    }

    /// <summary>Whether <paramref name="presented"/> is the open token (compared in constant time).</summary>
    public bool Matches(string? presented)
    {
        byte[]? token;
        lock (_gate)
        {
            token = _token;
        }

        return token is not null && presented is not null
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(presented), Encoding.ASCII.GetBytes(WebEncoders.Base64UrlEncode(token)));
    }

    /// <summary>Closes the link: an account exists.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _token = null;
        }
    }
}
