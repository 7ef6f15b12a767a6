using System.Net;
using System.Text.Json;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Delivery.Relay;

/// <summary>
/// Issue 9, Medium 3: a relay endpoint without a secret is an explicit choice
/// (<c>allowUnauthenticated: true</c>); without it, creating or patching one is a 400 naming the field.
/// </summary>
public abstract class RelayManagementEndpointsTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private static readonly Uri Hook = new("https://hooks.example.com/vigil");

    [Theory]
    [InlineData("")]
    [InlineData(""","secret":null""")]
    [InlineData(""","secret":"" """)]
    [InlineData(""","allowUnauthenticated":false""")]
    [InlineData(""","allowUnauthenticated":null""")]
    public async Task Create_NoSecretWithoutTheFlag_ProblemNamesAllowUnauthenticated_NothingCreated(string extra)
    {
        var app = await SharedAppAsync();
        var admin = app.Admin();
        var channelId = await RelayCalls.CreateWebhookChannelAsync(admin, Hook, $"hook-{Guid.NewGuid():N}"); // one server for every case

        var response = await admin.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"orders","name":"Orders","integrations":["{{channelId}}"]{{extra}}}""");

        await AssertProblemAsync(response, "allowUnauthenticated", "must be true for an endpoint without a secret");
        Assert.Equal(0, (await (await admin.GetAsync("/api/v1/relay/endpoints")).ReadAsync()).GetArrayLength());
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("\"true\"")]
    [InlineData("1")]
    [InlineData("[true]")]
    [InlineData("{}")]
    public async Task Create_AllowUnauthenticatedNotABoolean_ProblemNamesIt(string value)
    {
        var app = await SharedAppAsync();
        var admin = app.Admin();
        var channelId = await RelayCalls.CreateWebhookChannelAsync(admin, Hook, $"hook-{Guid.NewGuid():N}"); // one server for every case

        var response = await admin.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"orders","name":"Orders","integrations":["{{channelId}}"],"allowUnauthenticated":{{value}}}""");

        await AssertProblemAsync(response, "allowUnauthenticated", "must be true or false");
        Assert.Equal(0, (await (await admin.GetAsync("/api/v1/relay/endpoints")).ReadAsync()).GetArrayLength());
    }

    [Fact]
    public async Task CreateAndPatch_FlagFollowsTheSecret_RemovingTheSecretNeedsTheFlag()
    {
        await using var app = StartApp();
        var admin = app.Admin();
        var channelId = await RelayCalls.CreateWebhookChannelAsync(admin, Hook);
        var open = await admin.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"open","name":"Open","integrations":["{{channelId}}"],"allowUnauthenticated":true}""");
        var closed = await admin.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"closed","name":"Closed","integrations":["{{channelId}}"],"secret":"s3cret","allowUnauthenticated":true}""");
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (open.StatusCode, closed.StatusCode));
        var openBody = await open.ReadAsync();
        var closedBody = await closed.ReadAsync();
        Assert.True(openBody.GetProperty("allowUnauthenticated").GetBoolean());
        Assert.False(closedBody.GetProperty("allowUnauthenticated").GetBoolean()); // a secret is always required once set
        var closedId = closedBody.GetProperty("id").GetString();
        var openId = openBody.GetProperty("id").GetString();

        var dropSecret = await admin.PatchAsync($"/api/v1/relay/endpoints/{closedId}", Json.Body("""{"secret":null}"""));
        var closeTheOpen = await admin.PatchAsync($"/api/v1/relay/endpoints/{openId}", Json.Body("""{"allowUnauthenticated":false}"""));
        var badType = await admin.PatchAsync($"/api/v1/relay/endpoints/{openId}", Json.Body("""{"allowUnauthenticated":"no"}"""));
        var rename = await admin.PatchAsync($"/api/v1/relay/endpoints/{openId}", Json.Body("""{"name":"Still open"}"""));
        var dropWithFlag = await admin.PatchAsync($"/api/v1/relay/endpoints/{closedId}", Json.Body("""{"secret":null,"allowUnauthenticated":true}"""));

        await AssertProblemAsync(dropSecret, "allowUnauthenticated", "must be true for an endpoint without a secret");
        await AssertProblemAsync(closeTheOpen, "allowUnauthenticated", "must be true for an endpoint without a secret");
        await AssertProblemAsync(badType, "allowUnauthenticated", "must be true or false");
        Assert.Equal(HttpStatusCode.OK, rename.StatusCode);
        Assert.True((await rename.ReadAsync()).GetProperty("allowUnauthenticated").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, dropWithFlag.StatusCode);
        var dropped = await dropWithFlag.ReadAsync();
        Assert.Equal(JsonValueKind.Null, dropped.GetProperty("secret").ValueKind);
        Assert.True(dropped.GetProperty("allowUnauthenticated").GetBoolean());
    }
}

public sealed class SqliteRelayManagementEndpointsTests(SharedServer shared) : RelayManagementEndpointsTests(StorageProvider.Sqlite, shared);

public sealed class PostgresRelayManagementEndpointsTests(SharedServer shared) : RelayManagementEndpointsTests(StorageProvider.Postgres, shared);
