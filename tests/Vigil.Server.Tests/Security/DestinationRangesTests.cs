using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9, Low, SSRF: a channel whose URL is in a range that is not globally reachable
/// (IPv4-mapped, local-use NAT64, documentation, benchmarking) is refused naming the field.
/// HTTP only: one provider is enough.
/// </summary>
public sealed class DestinationRangesTests(SharedServer shared) : ServerTestBase(StorageProvider.Sqlite, shared), IClassFixture<SharedServer>
{
    [Theory]
    [InlineData("http://192.0.2.10/hook", "documentation")]
    [InlineData("http://198.51.100.7/hook", "documentation")]
    [InlineData("http://203.0.113.99/hook", "documentation")]
    [InlineData("http://[2001:db8::1]/hook", "documentation")]
    [InlineData("http://[::ffff:192.0.2.1]/hook", "documentation")]
    [InlineData("http://198.18.0.1/hook", "reserved")]
    [InlineData("http://[64:ff9b:1::a00:1]/hook", "reserved")]
    [InlineData("http://[::ffff:0:0]/hook", "unspecified")]
    public async Task CreateChannel_NotGloballyReachable_ProblemNamesTheUrl(string url, string kind)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/channels", $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{url}}}"}}""");

        await AssertProblemAsync(response, "config.url", kind);
    }
}
