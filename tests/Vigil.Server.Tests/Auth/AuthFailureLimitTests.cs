using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Client.Tests.Infrastructure;
using Vigil.Storage;

namespace Vigil.Server.Tests.Auth;

/// <summary>
/// Failed authentication (issue 9, Low): wrong keys are limited per client address (429 with
/// Retry-After) and logged sampled, with the address.
/// </summary>
public abstract class AuthFailureLimitTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string WrongKey = "vgl_not-a-key-at-all-0123456789";

    private static async Task<HttpContext> GetKeysAsync(TestServer server, string address, string key) =>
        await server.SendAsync(context =>
        {
            context.Request.Method = "GET";
            context.Request.Path = "/api/v1/keys";
            context.Request.Headers.Authorization = "Bearer " + key;
            context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        });

    [Fact]
    public async Task WrongKeys_PastTheLimitFromOneAddress_429WithRetryAfterUntilTheWindowRefills()
    {
        // Not disposed itself: the derived factory below is the one started, and stopped.
        var app = StartApp(settings: new() { ["Vigil:Auth:FailuresPerAddress"] = "5", ["Vigil:Auth:FailureWindow"] = "00:01:00" });
        await using var factory = app.WithWebHostBuilder(_ => { });
        var server = factory.Server;
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(StatusCodes.Status401Unauthorized, (await GetKeysAsync(server, "192.0.2.1", WrongKey)).Response.StatusCode);
        }

        var limited = await GetKeysAsync(server, "192.0.2.1", WrongKey);
        var rightKeySameAddress = await GetKeysAsync(server, "192.0.2.1", VigilApp.AdminKey);
        var rightKeyOtherAddress = await GetKeysAsync(server, "198.51.100.7", VigilApp.AdminKey);
        var wrongKeyOtherAddress = await GetKeysAsync(server, "198.51.100.7", WrongKey);
        app.Time.Advance(TimeSpan.FromSeconds(12));
        var afterRefill = await GetKeysAsync(server, "192.0.2.1", VigilApp.AdminKey);

        Assert.Equal(StatusCodes.Status429TooManyRequests, limited.Response.StatusCode);
        Assert.Equal("12", limited.Response.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", limited.Response.ContentType, StringComparison.Ordinal);
        Assert.Equal(StatusCodes.Status429TooManyRequests, rightKeySameAddress.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, rightKeyOtherAddress.Response.StatusCode);
        Assert.Equal(StatusCodes.Status401Unauthorized, wrongKeyOtherAddress.Response.StatusCode);
        Assert.Equal(StatusCodes.Status200OK, afterRefill.Response.StatusCode);
    }

    [Fact]
    public async Task RelaySecrets_AsBearerTokens_AreNotFailedApiKeys()
    {
        var app = StartApp(settings: new() { ["Vigil:Auth:FailuresPerAddress"] = "3" });
        await using var factory = app.WithWebHostBuilder(_ => { });
        var server = factory.Server;
        for (var i = 0; i < 10; i++)
        {
            await server.SendAsync(context =>
            {
                context.Request.Method = "POST";
                context.Request.Path = "/api/webhook/some-endpoint";
                context.Request.Headers.Authorization = "Bearer relay-secret-" + i;
                context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.9");
            });
        }

        var admin = await GetKeysAsync(server, "192.0.2.9", VigilApp.AdminKey);

        Assert.Equal(StatusCodes.Status200OK, admin.Response.StatusCode);
    }

    // Only what the requests under test log: not the host's start-up lines.
    private static List<LogEntry> OfRequests(IEnumerable<LogEntry> entries) =>
        [.. entries.Where(e => e.Category.StartsWith("Vigil.Server.Auth", StringComparison.Ordinal)
            || e.Category.StartsWith("Microsoft.AspNetCore.Authentication", StringComparison.Ordinal)
            || e.Category.StartsWith("Microsoft.AspNetCore.Authorization", StringComparison.Ordinal))];

    [Fact]
    public async Task WrongKeys_Flood_LoggedOncePerAddressWithTheAddressThenCounted()
    {
        var logs = new ListLoggerProvider();
        var app = StartApp();
        await using var factory = app.WithWebHostBuilder(builder => builder.ConfigureServices(services => services.AddLogging(logging => logging.AddProvider(logs))));
        var server = factory.Server;
        for (var i = 0; i < 50; i++)
        {
            await GetKeysAsync(server, "192.0.2.1", WrongKey + i);
            await GetKeysAsync(server, "2001:db8::1", WrongKey + i);
        }

        var duringFlood = OfRequests(logs.Entries);
        app.Time.Advance(TimeSpan.FromSeconds(61));
        await GetKeysAsync(server, "192.0.2.1", WrongKey);
        var afterMinute = OfRequests(logs.Entries).Skip(duringFlood.Count).ToList();

        var failures = duringFlood.Where(e => e.EventId.Id == 2010).ToList();
        Assert.Equal(2, failures.Count);
        Assert.Contains(failures, e => e.Message.Contains("192.0.2.1", StringComparison.Ordinal));
        Assert.Contains(failures, e => e.Message.Contains("2001:db8::/64", StringComparison.Ordinal));
        Assert.DoesNotContain(duringFlood, e => e.Category.Contains("Authentication", StringComparison.Ordinal) || e.Category.EndsWith("ApiKeyAuthenticationHandler", StringComparison.Ordinal));
        Assert.True(duringFlood.Count < 20, $"{duringFlood.Count} log entries for 100 wrong keys: " + string.Join(" | ", duringFlood.Select(e => e.Message)));
        var counts = afterMinute.Where(e => e.EventId.Id == 2011).ToList();
        Assert.Equal(2, counts.Count);
        Assert.Contains(counts, e => e.Message.Contains("49 more times from 192.0.2.1", StringComparison.Ordinal) && e.Message.Contains("(40 of them refused", StringComparison.Ordinal));
        Assert.Single(afterMinute, e => e.EventId.Id == 2010 && e.Message.Contains("192.0.2.1", StringComparison.Ordinal));
    }
}

public sealed class SqliteAuthFailureLimitTests() : AuthFailureLimitTests(StorageProvider.Sqlite);

public sealed class PostgresAuthFailureLimitTests() : AuthFailureLimitTests(StorageProvider.Postgres);
