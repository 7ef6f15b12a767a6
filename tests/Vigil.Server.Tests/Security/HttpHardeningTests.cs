using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9, Low, HTTP hardening: nosniff and no referrer on every answer, a strict CSP that
/// forbids framing on HTML (the acknowledge page and the API reference, whose inline scripts
/// are allowed by hash only), OpenAPI servers not taken from the Host header, and no trace
/// context sent to notification destinations. HTTP only: one provider is enough.
/// </summary>
public sealed partial class HttpHardeningTests(SharedServer shared) : ServerTestBase(StorageProvider.Sqlite, shared), IClassFixture<SharedServer>
{
    [Theory]
    [InlineData("/api/health?quick=true", false)]
    [InlineData("/api/v1/rules-that-do-not-exist", true)]
    [InlineData("/api/v1/keys", false)]
    [InlineData("/openapi/v1.json", false)]
    public async Task AnyAnswer_NosniffAndNoReferrer(string path, bool anonymous)
    {
        var app = await SharedAppAsync();

        var response = await (anonymous ? app.WithKey(null) : app.Admin()).GetAsync(path);

        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Null(Header(response, "Server"));
    }

    [Fact]
    public async Task AcknowledgePage_StrictPolicy_InlineStyleByHash_NoScript()
    {
        await using var app = StartApp();

        var response = await app.WithKey(null).GetAsync("/ack/not-a-token");
        var html = await response.Content.ReadAsStringAsync();

        var policy = Policy(response);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        Assert.Equal("'none'", policy["default-src"]);
        Assert.Equal("'none'", policy["script-src"]);
        Assert.Equal("'self'", policy["form-action"]);
        var style = Assert.Single(StyleBlock().Matches(html)).Groups["body"].Value;
        Assert.Equal(Hash(style), policy["style-src"]);
    }

    [Fact]
    public async Task ReferencePage_ScriptsFromVigilOrHashed_NoUnsafeScript_NoFraming()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);

        var response = await client.GetAsync("/docs/");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var policy = Policy(response);
        Assert.Equal("'none'", policy["frame-ancestors"]);
        var scriptSources = policy["script-src"].Split(' ');
        Assert.DoesNotContain("'unsafe-inline'", scriptSources);
        Assert.DoesNotContain("'unsafe-eval'", scriptSources);
        Assert.DoesNotContain(scriptSources, s => s.Contains(':', StringComparison.Ordinal) && !s.StartsWith("'sha256-", StringComparison.Ordinal));
        var inline = ScriptBlock().Matches(html).Where(m => !m.Groups["attributes"].Value.Contains("src=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(inline);
        Assert.All(inline, script => Assert.Contains(Hash(script.Groups["body"].Value), scriptSources));
        Assert.Contains("'self'", policy["connect-src"].Split(' '));

        // Its assets are scripts, not HTML: no page policy, still nosniff.
        var asset = await client.GetAsync("/docs/scalar.aspnetcore.js");
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("nosniff", Header(asset, "X-Content-Type-Options"));
    }

    [Fact]
    public async Task OpenApi_HostHeaderOfTheRequest_NotInServers()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.Host = "evil.example.com";

        var document = await (await client.GetAsync("/openapi/v1.json")).ReadAsync();

        Assert.Equal("/", Assert.Single(document.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString());
        Assert.DoesNotContain("evil.example.com", document.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_PublicUrlSet_IsTheServer()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Http:PublicUrl"] = "https://vigil.example.com/" });
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.Host = "evil.example.com";

        var document = await (await client.GetAsync("/openapi/v1.json")).ReadAsync();

        Assert.Equal("https://vigil.example.com", Assert.Single(document.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString());
    }

    [Fact]
    public async Task ChannelTest_RequestCarriesTraceContext_DestinationGetsNone()
    {
        // Every ASP.NET Core request gets an activity, whatever the test runner listens to.
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: new() { ["Vigil:Delivery:AllowPrivateNetworks"] = "true" });
        var client = app.Admin();
        var id = (await (await client.PostJsonAsync("/api/v1/channels", $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{receiver.Url()}}}"}}""")).ReadAsync()).GetProperty("id").GetString();
        client.DefaultRequestHeaders.Add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        client.DefaultRequestHeaders.Add("tracestate", "vendor=secret-tenant");
        client.DefaultRequestHeaders.Add("baggage", "user=alice");

        var response = await client.PostAsync($"/api/v1/channels/{id}/test", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = Assert.Single(receiver.Requests);
        Assert.Null(received.Header("traceparent"));
        Assert.Null(received.Header("tracestate"));
        Assert.Null(received.Header("baggage"));
        Assert.Null(received.Header("request-id"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(",", values) : null;

    private static Dictionary<string, string> Policy(HttpResponseMessage response)
    {
        var policy = Header(response, "Content-Security-Policy");
        Assert.False(string.IsNullOrEmpty(policy), "no Content-Security-Policy");
        return policy.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', 2))
            .ToDictionary(d => d[0], d => d.Length > 1 ? d[1] : "");
    }

    private static string Hash(string body) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}'";

    [GeneratedRegex("""<script(?<attributes>[^>]*)>(?<body>.*?)</script>""", RegexOptions.Singleline)]
    private static partial Regex ScriptBlock();

    [GeneratedRegex("""<style>(?<body>.*?)</style>""", RegexOptions.Singleline)]
    private static partial Regex StyleBlock();
}
