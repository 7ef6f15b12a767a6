using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Alerts;
using Vigil.Storage;

namespace Vigil.Server.Tests.Secrets;

/// <summary>
/// Channel secrets over HTTP: <c>config:</c> references read only <c>Vigil:Secrets</c>, a masked secret
/// is not kept for a new destination, and a destination's reply never brings our secret into the delivery log.
/// </summary>
public abstract class ChannelSecretsTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Alerts:EvaluationEnabled"] = "false",
        ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the receiver listens on loopback
        ["Vigil:Jobs:PollInterval"] = "00:00:01",
        ["Vigil:Secrets:OpsToken"] = "token-from-the-secrets-section",
        ["Outside:Token"] = "not-a-secret-of-vigil",
    };

    [Theory]
    [InlineData("config:OpsToken", "Bearer token-from-the-secrets-section")]
    [InlineData("config:Vigil:Secrets:OpsToken", "Bearer token-from-the-secrets-section")] // the full form of earlier versions
    public async Task ConfigReference_ReadsTheSecretsSection(string reference, string expectedAuthorization)
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var id = await CreateAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}","bearerToken":"{{{reference}}}"}}""");

        var test = await (await client.PostAsync($"/api/v1/channels/{id}/test", null)).ReadAsync();

        Assert.True(test.GetProperty("delivered").GetBoolean(), test.ToString());
        Assert.Equal(expectedAuthorization, Assert.Single(webhook.Requests).Header("Authorization"));
    }

    [Theory]
    [InlineData("config:Outside:Token", "Vigil:Secrets:Outside:Token")] // not the setting Outside:Token
    [InlineData("config:HOME", "Vigil:Secrets:HOME")] // not the environment variable HOME
    public async Task ConfigReference_OutsideTheSecretsSection_ReadsNothingAndSendsNothing(string reference, string setting)
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var id = await CreateAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}","bearerToken":"{{{reference}}}"}}""");

        var test = await (await client.PostAsync($"/api/v1/channels/{id}/test", null)).ReadAsync();

        Assert.False(test.GetProperty("delivered").GetBoolean(), test.ToString());
        Assert.Contains($"the setting {setting} is not set", test.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(webhook.Requests);
    }

    [Theory]
    [InlineData("config:MasterKey")]
    [InlineData("config:Vigil:Secrets:KeyFile")]
    [InlineData("config:")]
    [InlineData("config:a/../b")]
    [InlineData("config:Smtp::Password")]
    public async Task Create_MalformedOrReservedReference_400NamingTheField(string reference)
    {
        await using var app = StartApp(settings: Settings);

        var response = await app.Admin().PostJsonAsync("/api/v1/channels",
            $$$"""{"name":"hook","type":"webhook","config":{"url":"https://hooks.example.com/x","bearerToken":"{{{reference}}}"}}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.ReadAsync()).GetProperty("errors").TryGetProperty("config.bearerToken", out _));
    }

    [Fact]
    public async Task Patch_WebhookUrlChangedKeepingMaskedSecrets_400UntilTheSecretsAreSentAgain()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var id = await CreateAsync(client, $$$"""
            {"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}","secret":"whsec_c2VjcmV0LXNpZ25pbmcta2V5","bearerToken":"bearer-s3cret"}}
            """);

        var moved = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"config":{"url":"https://attacker.example.net/collect"}}"""));
        var samePathElsewhere = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body($$$"""{"config":{"url":"{{{webhook.Url("/other")}}}"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        var errors = (await moved.ReadAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("config.bearerToken", out _), errors.ToString());
        Assert.True(errors.TryGetProperty("config.secret", out _), errors.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, samePathElsewhere.StatusCode);

        // The stored secrets went nowhere: a test still reaches the old URL with the old token.
        await client.PostAsync($"/api/v1/channels/{id}/test", null);
        Assert.Equal("Bearer bearer-s3cret", Assert.Single(webhook.Requests).Header("Authorization"));

        var resent = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body($$$"""
            {"config":{"url":"{{{webhook.Url("/other")}}}","secret":"whsec_bmV3LXNpZ25pbmcta2V5LTEyMzQ=","bearerToken":"new-token"}}
            """));
        var renamed = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"name":"renamed"}"""));

        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode); // same destination: masked secrets kept
        await client.PostAsync($"/api/v1/channels/{id}/test", null);
        Assert.Equal("Bearer new-token", webhook.Requests[^1].Header("Authorization"));
        Assert.Equal("/other", webhook.Requests[^1].Path);
    }

    [Fact]
    public async Task Patch_SmtpHostChangedKeepingMaskedPassword_400NamingThePassword()
    {
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var id = await CreateAsync(client, """
            {"name":"mail","type":"email","config":{"host":"smtp.example.com","port":587,"tls":"starttls","username":"vigil","password":"smtp-pa55","from":"vigil@example.com","to":["ops@example.com"]}}
            """);

        var moved = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"config":{"host":"smtp.attacker.example.net"}}"""));
        var otherPort = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"config":{"port":2525}}"""));
        var withPassword = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"config":{"host":"smtp2.example.com","password":"new-pa55"}}"""));

        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        Assert.True((await moved.ReadAsync()).GetProperty("errors").TryGetProperty("config.password", out _));
        Assert.Equal(HttpStatusCode.BadRequest, otherPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withPassword.StatusCode);
    }

    [Fact]
    public async Task DeliveryFailed_ReceiverEchoesTheAuthorizationHeader_LastErrorKeepsTheStatusNotTheToken()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        webhook.Enqueue(new ScriptedAnswer(401, EchoHeaders: true));
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var id = await CreateAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url("/hook/t0ken-in-path")}}}","bearerToken":"bearer-s3cret"}}""");
        var rule = await client.PostJsonAsync("/api/v1/alerts/rules", $$$"""
            {"name":"Slow route","metric":"checkout_latency_ms","aggregation":"avg","windowMinutes":5,"threshold":1000,"severity":"critical","channels":["{{{id}}}"]}
            """);
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("checkout_latency_ms", [2500, 2600], "{}", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();

        await app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);
        await webhook.WaitForArrivalsAsync(1);
        var viewer = await app.ClientWithRoleAsync("viewer");
        var dead = await Eventually.ReachAsync(async () => (await (await viewer.GetAsync("/api/v1/deliveries?status=dead")).ReadAsync()).EnumerateArray().ToArray(), d => d.Length == 1);

        Assert.Contains("Bearer bearer-s3cret", Assert.Single(webhook.Requests).Header("Authorization"), StringComparison.Ordinal); // it was sent
        var lastError = dead[0].GetProperty("lastError").GetString()!;
        Assert.StartsWith("HTTP 401", lastError, StringComparison.Ordinal);
        Assert.Contains("authorization: Bearer ********", lastError, StringComparison.Ordinal); // the echo is there, the token is not
        Assert.DoesNotContain("bearer-s3cret", lastError, StringComparison.Ordinal);
        Assert.DoesNotContain("t0ken-in-path", lastError, StringComparison.Ordinal);
    }

    private static async Task<string> CreateAsync(HttpClient client, string body)
    {
        var response = await client.PostJsonAsync("/api/v1/channels", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }
}

public sealed class SqliteChannelSecretsTests() : ChannelSecretsTests(StorageProvider.Sqlite);

public sealed class PostgresChannelSecretsTests() : ChannelSecretsTests(StorageProvider.Postgres);
