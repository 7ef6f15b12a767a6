using System.Net;
using System.Net.Http.Json;
using Vigil.Storage;

namespace Vigil.Server.Tests.Auth;

/// <summary>
/// Who may call what: the API key is read from <c>Authorization: Bearer</c> or <c>X-Api-Key</c>,
/// and the role behind it decides between the ingest, read and admin endpoints.
/// </summary>
public abstract class ApiKeyAuthenticationHandlerTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    private const string Points = """{"points":[{"name":"auth_probe","type":"gauge","value":1}]}""";
    private const string Executions = """{"executions":[{"jobId":"auth-probe","success":true,"durationMs":5}]}""";
    private const string SeriesQuery = "/api/v1/series?metric=auth_probe&agg=count";

    public static TheoryData<string, string> ProtectedEndpoints => new()
    {
        { "POST", "/api/v1/metrics" },
        { "POST", "/api/v1/jobs/executions" },
        { "GET", SeriesQuery },
        { "GET", "/metrics" },
        { "GET", "/api/v1/metrics" },
        { "GET", "/api/v1/keys" },
        { "POST", "/api/v1/keys" },
        { "DELETE", "/api/v1/keys/some-id" },
    };

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task Request_NoKey_401ProblemWithChallenge(string method, string path)
    {
        var app = await SharedAppAsync();
        var client = app.WithKey(null);

        var response = await SendAsync(client, method, path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        var problem = await response.ReadAsync();
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("Authorization", "Bearer vgl_this-key-was-never-issued-0000000000000000")]
    [InlineData("X-Api-Key", "vgl_this-key-was-never-issued-0000000000000000")]
    [InlineData("Authorization", "Bearer ")]
    [InlineData("Authorization", "Basic dXNlcjpwYXNz")]
    public async Task Request_UnknownOrMalformedKey_401Problem(string header, string value)
    {
        // One server for the cases: the unknown keys are 2 failed authentications of the 10 an address may make a minute (the fake clock stands still).
        var app = await SharedAppAsync();
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, value);

        var response = await client.GetAsync(SeriesQuery);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
    }

    [Theory]
    [InlineData("Authorization", "Bearer {0}")]
    [InlineData("Authorization", "bearer {0}")]
    [InlineData("X-Api-Key", "{0}")]
    public async Task Request_ViewerKeyInEitherHeader_Authenticated(string header, string format)
    {
        await using var app = StartApp();
        var (_, key) = await CreateKeyWithIdAsync(app, "viewer");
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation(header, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, key));

        var response = await client.GetAsync(SeriesQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Request_IngestKeyInXApiKey_CanIngest()
    {
        await using var app = StartApp();
        var (_, key) = await CreateKeyWithIdAsync(app, "ingest");
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        var response = await client.PostJsonAsync("/api/v1/metrics", Points);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await response.ReadAsync()).GetProperty("accepted").GetInt32());
    }

    [Theory]
    [InlineData("ingest", new[] { 202, 202, 403, 403, 403, 403, 403, 403 })]
    [InlineData("viewer", new[] { 403, 403, 200, 200, 200, 403, 403, 403 })]
    [InlineData("admin", new[] { 202, 202, 200, 200, 200, 200, 201, 204 })]
    public async Task Request_EachRole_AllowedExactlyItsEndpoints(string role, int[] expected)
    {
        await using var app = StartApp();
        var (spare, _) = await CreateKeyWithIdAsync(app, "viewer");
        var client = await app.ClientWithRoleAsync(role);
        var requests = new (string Method, string Path, string? Body)[]
        {
            ("POST", "/api/v1/metrics", Points),
            ("POST", "/api/v1/jobs/executions", Executions),
            ("GET", SeriesQuery, null),
            ("GET", "/metrics", null),
            ("GET", "/api/v1/metrics", null),
            ("GET", "/api/v1/keys", null),
            ("POST", "/api/v1/keys", """{"name":"made by the role under test","role":"viewer"}"""),
            ("DELETE", $"/api/v1/keys/{spare}", null),
        };

        var actual = new List<string>();
        foreach (var (method, path, body) in requests)
        {
            var response = await SendAsync(client, method, path, body);
            actual.Add($"{method} {path} -> {(int)response.StatusCode}");
            if (response.StatusCode == HttpStatusCode.Forbidden)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal(requests.Zip(expected, (r, s) => $"{r.Method} {r.Path} -> {s}"), actual);
    }

    [Fact]
    public async Task Request_KeyRevokedAfterUse_401AtOnceInTheSameProcess()
    {
        await using var app = StartApp();
        var (id, key) = await CreateKeyWithIdAsync(app, "viewer");
        var viewer = app.WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await viewer.GetAsync(SeriesQuery)).StatusCode); // now cached as valid

        var revoke = await app.Admin().DeleteAsync($"/api/v1/keys/{id}");
        var after = await viewer.GetAsync(SeriesQuery);

        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Request_KeyRevokedByAnotherProcess_401OnTheOtherNodeToo()
    {
        await using var first = StartApp();
        await using var second = StartApp();
        var (id, key) = await CreateKeyWithIdAsync(first, "viewer");
        var viewerOnSecond = second.WithKey(key);
        Assert.Equal(HttpStatusCode.OK, (await viewerOnSecond.GetAsync(SeriesQuery)).StatusCode); // cached by the second process

        (await first.Admin().DeleteAsync($"/api/v1/keys/{id}")).EnsureSuccessStatusCode();
        if (Provider == StorageProvider.Sqlite)
        {
            // SQLite is one node: another process hears no invalidation, the set's lifetime ends it.
            second.Time.Advance(TimeSpan.FromSeconds(61));
        }

        // On PostgreSQL the invalidation arrives over NOTIFY, without the clock moving.
        var after = await Eventually.ReachAsync(() => viewerOnSecond.GetAsync(SeriesQuery), r => r.StatusCode == HttpStatusCode.Unauthorized, TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task Request_BootstrapAdminKey_WorksAsAdmin()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.Add("X-Api-Key", VigilApp.AdminKey);

        var list = await client.GetAsync("/api/v1/keys");
        var create = await client.PostJsonAsync("/api/v1/keys", """{"name":"from bootstrap","role":"ingest"}""");
        var ingest = await client.PostJsonAsync("/api/v1/metrics", Points);
        var read = await client.GetAsync(SeriesQuery);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null || method == "POST")
        {
            request.Content = Json.Body(body ?? "{}");
        }

        return client.SendAsync(request);
    }

    private static async Task<(string Id, string Key)> CreateKeyWithIdAsync(VigilApp app, string role)
    {
        var response = await app.Admin().PostAsJsonAsync("/api/v1/keys", new { name = $"test {role}", role });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        return (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
    }
}

public sealed class SqliteApiKeyAuthenticationHandlerTests(SharedServer shared) : ApiKeyAuthenticationHandlerTests(StorageProvider.Sqlite, shared);

public sealed class PostgresApiKeyAuthenticationHandlerTests(SharedServer shared) : ApiKeyAuthenticationHandlerTests(StorageProvider.Postgres, shared);
