using System.Net;
using Vigil.Notifications.Destinations;

namespace Vigil.Notifications.Tests.Destinations;

/// <summary>
/// Issue 9, Low, SSRF: the IANA special-purpose ranges that are not globally reachable, each at
/// its first and last address, and the public neighbour just outside it.
/// </summary>
public sealed class AddressClassifierTests
{
    [Theory]
    // IPv4 documentation (TEST-NET-1, -2, -3, RFC 5737)
    [InlineData("192.0.2.0", "Documentation")]
    [InlineData("192.0.2.255", "Documentation")]
    [InlineData("198.51.100.0", "Documentation")]
    [InlineData("198.51.100.255", "Documentation")]
    [InlineData("203.0.113.0", "Documentation")]
    [InlineData("203.0.113.255", "Documentation")]
    // Benchmarking 198.18.0.0/15 (RFC 2544)
    [InlineData("198.18.0.0", "Reserved")]
    [InlineData("198.19.255.255", "Reserved")]
    // IETF protocol assignments 192.0.0.0/24, the retired 6to4 relay anycast 192.88.99.0/24
    [InlineData("192.0.0.8", "Reserved")]
    [InlineData("192.88.99.1", "Reserved")]
    // "This network" 0.0.0.0/8, reserved 240.0.0.0/4, broadcast
    [InlineData("0.1.2.3", "Unspecified")]
    [InlineData("240.0.0.1", "Reserved")]
    [InlineData("255.255.255.255", "Reserved")]
    // IPv4-mapped ::ffff:0:0/96: classified by the mapped address
    [InlineData("::ffff:192.0.2.1", "Documentation")]
    [InlineData("::ffff:198.18.0.1", "Reserved")]
    [InlineData("::ffff:0.0.0.0", "Unspecified")]
    [InlineData("::ffff:100.64.0.1", "Cgnat")]
    // NAT64 64:ff9b::/96 by the embedded address; local-use NAT64 64:ff9b:1::/48 always refused
    [InlineData("64:ff9b::c000:201", "Documentation")]
    [InlineData("64:ff9b::7f00:1", "Loopback")]
    [InlineData("64:ff9b:1::", "Reserved")]
    [InlineData("64:ff9b:1::5db8:d822", "Reserved")]
    [InlineData("64:ff9b:1:ffff:ffff:ffff:ffff:ffff", "Reserved")]
    // IPv6 documentation 2001:db8::/32 (RFC 3849) and 3fff::/20 (RFC 9637)
    [InlineData("2001:db8::", "Documentation")]
    [InlineData("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "Documentation")]
    [InlineData("3fff::1", "Documentation")]
    [InlineData("3fff:fff:ffff::1", "Documentation")]
    // Discard-only 100::/64, IETF protocol assignments 2001::/23 (Teredo, benchmarking), SRv6 SIDs 5f00::/16
    [InlineData("100::1", "Reserved")]
    [InlineData("2001::1", "Reserved")]
    [InlineData("2001:2::1", "Reserved")]
    [InlineData("2001:1ff:ffff::1", "Reserved")]
    [InlineData("5f00::1", "Reserved")]
    public void Classify_SpecialPurposeRange_NotPublic(string address, string expected)
    {
        Assert.Equal(Enum.Parse<AddressClass>(expected), AddressClassifier.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("192.0.3.1")]
    [InlineData("198.51.101.1")]
    [InlineData("203.0.114.1")]
    [InlineData("198.20.0.1")]
    [InlineData("64:ff9b::5db8:d822")]
    [InlineData("64:ff9b:2::1")]
    [InlineData("2001:db9::1")]
    [InlineData("2001:200::1")]
    [InlineData("3fff:1000::1")]
    [InlineData("100:0:0:1::1")]
    [InlineData("::ffff:93.184.216.34")]
    public void Classify_NeighbourOfARange_Public(string address)
    {
        Assert.Equal(AddressClass.Public, AddressClassifier.Classify(IPAddress.Parse(address)));
    }

    [Fact]
    public void Describe_Documentation_SaysSo()
    {
        Assert.Equal("a documentation address", AddressClassifier.Describe(AddressClass.Documentation));
    }
}
