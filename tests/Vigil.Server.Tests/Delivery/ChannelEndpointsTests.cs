using System.Net;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Delivery.Channels;
using Vigil.Notifications.Channels;
using Vigil.Storage;

namespace Vigil.Server.Tests.Delivery;

/// <summary><c>/api/v1/channels</c> over HTTP: secrets masked and encrypted at rest, precise problems, channels checked where rules name them.</summary>
public abstract class ChannelEndpointsTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private static readonly Dictionary<string, string?> ManualPasses = new() { ["Vigil:Alerts:EvaluationEnabled"] = "false" };

    // hooks.example.com does not resolve here: accepted when saved (every connection is checked again).
    private const string WebhookChannel = """
        {"name":"ops-webhook","type":"webhook","maxConcurrency":3,
         "config":{"url":"https://hooks.example.com/vigil/t0ken-in-path","secret":"whsec_c2VjcmV0LXNpZ25pbmcta2V5","bearerToken":"bearer-s3cret"}}
        """;

    [Fact]
    public async Task Create_Webhook_SecretsMaskedInAnswersAndEncryptedAtRest()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();

        var created = await client.PostJsonAsync("/api/v1/channels", WebhookChannel);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.ReadAsync();
        var id = body.GetProperty("id").GetString()!;
        var text = body.ToString();
        Assert.DoesNotContain("t0ken-in-path", text, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bearer-s3cret", text, StringComparison.Ordinal);
        Assert.Equal(ChannelMasking.MaskedValue, body.GetProperty("config").GetProperty("secret").GetString());
        Assert.Equal(3, body.GetProperty("maxConcurrency").GetInt32());
        Assert.Equal(id, Assert.Single((await (await client.GetAsync("/api/v1/channels")).ReadAsync()).EnumerateArray()).GetProperty("id").GetString());

        await using var database = new Database(Database.Options);
        await using var connection = await database.OpenAsync();
        var stored = await connection.QuerySingleAsync<string>("SELECT config FROM channels WHERE id = @id", new { id });
        Assert.DoesNotContain("t0ken-in-path", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("bearer-s3cret", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("hooks.example.com", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_NameOnly_KeepsTheStoredSecrets()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var id = (await (await client.PostJsonAsync("/api/v1/channels", WebhookChannel)).ReadAsync()).GetProperty("id").GetString()!;

        var patched = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"name":"ops-hook","enabled":false}"""));

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("ops-hook", (await patched.ReadAsync()).GetProperty("name").GetString());
        var store = app.Services.GetRequiredService<ChannelStore>();
        var channel = (await store.GetAsync(id, CancellationToken.None))!.Definition;
        var config = Assert.IsType<WebhookChannelConfig>(channel.Config);
        Assert.Equal(("https://hooks.example.com/vigil/t0ken-in-path", "whsec_c2VjcmV0LXNpZ25pbmcta2V5", "bearer-s3cret"), (config.Url, config.Secret, config.BearerToken));
        Assert.False(channel.Enabled);

        // A patch is checked like a create: every bad field named, nothing changed.
        var bad = await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"maxConcurrency":0,"config":{"url":"http://10.0.0.1/x"}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.ReadAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("maxConcurrency", out _), errors.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("""{"name":"a","name":"b"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsync($"/api/v1/channels/{id}", Json.Body("[1]"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PatchAsync("/api/v1/channels/nope", Json.Body("""{"name":"x"}"""))).StatusCode);
        Assert.Equal("ops-hook", (await store.GetAsync(id, CancellationToken.None))!.Definition.Name);
    }

    [Theory]
    [InlineData("""{"name":"x","type":"pager","config":{}}""", "type")]
    [InlineData("""{"name":"x","type":"webhook","config":{}}""", "config.url")]
    [InlineData("""{"name":"x","type":"webhook","config":{"url":"ftp://hooks.example.com/x"}}""", "config.url")]
    [InlineData("""{"name":"x","type":"webhook","config":{"url":"http://127.0.0.1:9/x"}}""", "config.url")]
    [InlineData("""{"name":"x","type":"webhook","config":{"url":"http://169.254.169.254/latest/meta-data"}}""", "config.url")]
    [InlineData("""{"name":"x","type":"webhook","maxConcurrency":11,"config":{"url":"https://hooks.example.com/x"}}""", "maxConcurrency")]
    [InlineData("""{"name":"x","type":"email","config":{"host":"smtp.example.com","port":70000,"from":"vigil@example.com","to":["ops@example.com"]}}""", "config.port")]
    [InlineData("""{"name":"x","type":"email","config":{"host":"smtp.example.com","from":"vigil@example.com","to":["ops@example.com","not-an-address"]}}""", "config.to[1]")]
    [InlineData("""{"name":"x","type":"slack","config":{"webhookUrl":"https://hooks.slack.com/services/x"},"colour":"red"}""", "colour")]
    [InlineData("""{"name":"x","type":"slack""", "$")]
    [InlineData("""[]""", "$")]
    public async Task Create_Malformed_ProblemNamesTheField(string body, string field)
    {
        var app = await SharedAppAsync();

        var response = await app.Admin().PostJsonAsync("/api/v1/channels", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.ReadAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"no problem for '{field}' in {errors}");
        Assert.Empty((await (await app.Admin().GetAsync("/api/v1/channels")).ReadAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Rules_NameChannels_UnknownRefusedKnownKept_ChannelInUseNotDeleted()
    {
        await using var app = StartApp(settings: ManualPasses);
        var client = app.Admin();
        var channelId = (await (await client.PostJsonAsync("/api/v1/channels", WebhookChannel)).ReadAsync()).GetProperty("id").GetString();

        var unknown = await client.PostJsonAsync("/api/v1/alerts/rules", """{"name":"r","metric":"m","threshold":1,"channels":["nope"]}""");
        var known = await client.PostJsonAsync("/api/v1/alerts/rules", $$"""{"name":"r","metric":"m","threshold":1,"channels":["{{channelId}}"]}""");
        var duplicate = await client.PostJsonAsync("/api/v1/channels", WebhookChannel);
        var delete = await client.DeleteAsync($"/api/v1/channels/{channelId}");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.True((await unknown.ReadAsync()).GetProperty("errors").TryGetProperty("channels", out _));
        Assert.Equal(HttpStatusCode.Created, known.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        var ruleId = (await known.ReadAsync()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/alerts/rules/{ruleId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/api/v1/channels/{channelId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/v1/channels/{channelId}")).StatusCode);
    }

    [Fact]
    public async Task Channels_Roles_ViewerReadsAdminChanges()
    {
        await using var app = StartApp(settings: ManualPasses);
        var viewer = await app.ClientWithRoleAsync("viewer");

        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync("/api/v1/channels")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJsonAsync("/api/v1/channels", WebhookChannel)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(null).GetAsync("/api/v1/channels")).StatusCode);
    }
}

public sealed class SqliteChannelEndpointsTests(SharedServer shared) : ChannelEndpointsTests(StorageProvider.Sqlite, shared);

public sealed class PostgresChannelEndpointsTests(SharedServer shared) : ChannelEndpointsTests(StorageProvider.Postgres, shared);
