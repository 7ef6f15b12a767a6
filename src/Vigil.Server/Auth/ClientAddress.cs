using System.Net;
using System.Net.Sockets;

namespace Vigil.Server.Auth;

/// <summary>The address a request came from, as limits and logs name it.</summary>
internal static class ClientAddress
{
    /// <summary>
    /// The connection's remote address; an IPv6 address as its /64 network (one host usually
    /// holds a whole /64), an IPv4-mapped one as IPv4; <c>unknown</c> without one.
    /// </summary>
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && !IPAddress.IsLoopback(address))
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }
}
