using System.Net;
using System.Net.Sockets;

namespace Vigil.Notifications.Destinations;

/// <summary>
/// Classifies IPv4 and IPv6 addresses, looking through IPv4-mapped, IPv4-compatible, NAT64 and
/// 6to4 forms. Every range of the IANA special-purpose registries that is not globally reachable
/// (RFC 6890 and its updates) is something other than <see cref="AddressClass.Public"/>.
/// </summary>
internal static class AddressClassifier
{
    public static AddressClass Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(address.GetAddressBytes());
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return AddressClass.Reserved;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return Classify(address.MapToIPv4());
        }

        byte[] b = address.GetAddressBytes();
        if (b.AsSpan(0, 15).IndexOfAnyExcept((byte)0) < 0)
        {
            return b[15] switch
            {
                0 => AddressClass.Unspecified,
                1 => AddressClass.Loopback,
                _ => AddressClass.Reserved,
            };
        }

        // ::a.b.c.d (IPv4-compatible, deprecated) and 64:ff9b::a.b.c.d (NAT64) reach the embedded IPv4 address.
        bool compatible = b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0;
        bool nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0;
        if (compatible || nat64)
        {
            return ClassifyV4(b[12..16]);
        }

        // 64:ff9b:1::/48 (local-use NAT64, RFC 8215): the operator's own translation, to anywhere.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 && b[5] == 0x01)
        {
            return AddressClass.Reserved;
        }

        // 2002:a.b.c.d::/48 (6to4) tunnels to the embedded IPv4 address.
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            var inner = ClassifyV4(b[2..6]);
            return inner == AddressClass.Public ? AddressClass.Public : inner;
        }

        return b[0] switch
        {
            // 100::/64, discard only (RFC 6666).
            0x01 when b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0 => AddressClass.Reserved,

            // 2001:db8::/32 and 3fff::/20 (RFC 3849, RFC 9637).
            0x20 when b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8 => AddressClass.Documentation,
            0x3f when b[1] == 0xff && (b[2] & 0xf0) == 0 => AddressClass.Documentation,

            // 2001::/23, IETF protocol assignments (Teredo, benchmarking 2001:2::/48, ORCHID and the rest).
            0x20 when b[1] == 0x01 && (b[2] & 0xfe) == 0 => AddressClass.Reserved,

            // 5f00::/16, segment routing identifiers (RFC 9602).
            0x5f when b[1] == 0x00 => AddressClass.Reserved,
            0xff => AddressClass.Multicast,
            0xfe when (b[1] & 0xc0) == 0x80 => AddressClass.LinkLocal,
            0xfe when (b[1] & 0xc0) == 0xc0 => AddressClass.Private, // fec0::/10, the deprecated site-local range
            0xfc or 0xfd => AddressClass.UniqueLocal,
            _ => AddressClass.Public,
        };
    }

    public static string Describe(AddressClass value) => value switch
    {
        AddressClass.Unspecified => "an unspecified address",
        AddressClass.Loopback => "a loopback address",
        AddressClass.Private => "a private address",
        AddressClass.LinkLocal => "a link-local address",
        AddressClass.UniqueLocal => "a unique-local address",
        AddressClass.Cgnat => "a carrier-grade NAT address",
        AddressClass.Multicast => "a multicast address",
        AddressClass.Reserved => "a reserved address",
        AddressClass.Documentation => "a documentation address",
        _ => "a public address",
    };

    private static AddressClass ClassifyV4(ReadOnlySpan<byte> b) => b[0] switch
    {
        0 => AddressClass.Unspecified,
        10 => AddressClass.Private,
        100 when (b[1] & 0xc0) == 64 => AddressClass.Cgnat,
        127 => AddressClass.Loopback,
        169 when b[1] == 254 => AddressClass.LinkLocal,
        172 when (b[1] & 0xf0) == 16 => AddressClass.Private,
        192 when b[1] == 168 => AddressClass.Private,
        192 when b[1] == 0 && b[2] == 0 => AddressClass.Reserved, // IETF protocol assignments
        192 when b[1] == 0 && b[2] == 2 => AddressClass.Documentation, // TEST-NET-1
        192 when b[1] == 88 && b[2] == 99 => AddressClass.Reserved, // the retired 6to4 relay anycast
        198 when (b[1] & 0xfe) == 18 => AddressClass.Reserved, // benchmarking
        198 when b[1] == 51 && b[2] == 100 => AddressClass.Documentation, // TEST-NET-2
        203 when b[1] == 0 && b[2] == 113 => AddressClass.Documentation, // TEST-NET-3
        >= 224 and <= 239 => AddressClass.Multicast,
        >= 240 => AddressClass.Reserved,
        _ => AddressClass.Public,
    };
}
