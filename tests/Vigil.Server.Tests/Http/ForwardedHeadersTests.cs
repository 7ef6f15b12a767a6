using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Vigil.Storage;

namespace Vigil.Server.Tests.Http;

/// <summary>
/// Behind a reverse proxy (<c>Vigil:Http:ForwardedHeaders</c>): from a known proxy,
/// <c>X-Forwarded-For</c> names the client the per-address limits count; from anyone else, and
/// by default, the header is ignored. Measured on the failed-authentication limit (one wrong key
/// per address, then 429).
/// </summary>
public abstract class ForwardedHeadersTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string WrongKey = "vgl_not-a-key-at-all-0123456789";
    private const string Proxy = "10.0.0.1";
    private const string Unknown = "10.0.0.2";

    public static TheoryData<string, string> Trusted => new()
    {
        { "KnownProxies", Proxy },
        { "KnownNetworks", "10.0.0.0/31" },
    };

    private static async Task<int> WrongKeyAsync(TestServer server, string from, string forwardedFor)
    {
        var context = await server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/v1/keys";
            c.Request.Headers.Authorization = "Bearer " + WrongKey;
            c.Request.Headers["X-Forwarded-For"] = forwardedFor;
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
        });
        return context.Response.StatusCode;
    }

    [Theory]
    [MemberData(nameof(Trusted))]
    public async Task WrongKeys_FromAKnownProxy_LimitedPerForwardedClient(string setting, string value)
    {
        await using var app = StartApp(settings: new()
        {
            ["Vigil:Auth:FailuresPerAddress"] = "1",
            [$"Vigil:Http:ForwardedHeaders:{setting}:0"] = value,
        });

        var first = await WrongKeyAsync(app.Server, Proxy, "203.0.113.7");
        var otherClient = await WrongKeyAsync(app.Server, Proxy, "198.51.100.2");
        var sameClientAgain = await WrongKeyAsync(app.Server, Proxy, "203.0.113.7");

        Assert.Equal(StatusCodes.Status401Unauthorized, first);
        Assert.Equal(StatusCodes.Status401Unauthorized, otherClient);
        Assert.Equal(StatusCodes.Status429TooManyRequests, sameClientAgain);
    }

    [Theory]
    [MemberData(nameof(Trusted))]
    public async Task WrongKeys_FromAnUnknownAddress_HeaderIgnored(string setting, string value)
    {
        await using var app = StartApp(settings: new()
        {
            ["Vigil:Auth:FailuresPerAddress"] = "1",
            [$"Vigil:Http:ForwardedHeaders:{setting}:0"] = value,
        });

        var first = await WrongKeyAsync(app.Server, Unknown, "203.0.113.20");
        var claimsAnotherClient = await WrongKeyAsync(app.Server, Unknown, "203.0.113.21");

        Assert.Equal(StatusCodes.Status401Unauthorized, first);
        Assert.Equal(StatusCodes.Status429TooManyRequests, claimsAnotherClient);
    }

    [Fact]
    public async Task WrongKeys_NoProxyConfigured_HeaderIgnoredEvenFromLoopback()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Auth:FailuresPerAddress"] = "1" });

        var first = await WrongKeyAsync(app.Server, "127.0.0.1", "203.0.113.30");
        var claimsAnotherClient = await WrongKeyAsync(app.Server, "127.0.0.1", "203.0.113.31");

        Assert.Equal(StatusCodes.Status401Unauthorized, first);
        Assert.Equal(StatusCodes.Status429TooManyRequests, claimsAnotherClient);
    }
}

public sealed class SqliteForwardedHeadersTests() : ForwardedHeadersTests(StorageProvider.Sqlite);

public sealed class PostgresForwardedHeadersTests() : ForwardedHeadersTests(StorageProvider.Postgres);
