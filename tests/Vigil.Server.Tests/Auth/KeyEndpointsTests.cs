using System.Net;
using System.Text;
using System.Text.Json;
using Dapper;
using Vigil.Storage;

namespace Vigil.Server.Tests.Auth;

/// <summary><c>/api/v1/keys</c>: keys are shown once, stored hashed, validated and revocable.</summary>
public abstract class KeyEndpointsTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    public static TheoryData<string, string, string> InvalidBodies => new()
    {
        // body, field named in the problem, a fragment of its message
        { """{"role":"viewer"}""", "name", "is required" },
        { """{"name":"   ","role":"viewer"}""", "name", "is required" },
        { """{"name":5,"role":"viewer"}""", "name", "must be a string" },
        { """{"name":"ci","role":"root"}""", "role", "not one of ingest, viewer, admin" },
        { """{"name":"ci","role":"Admin"}""", "role", "not one of ingest, viewer, admin" },
        { """{"name":"ci"}""", "role", "is required" },
        { """{"name":"ci","role":"viewer","colour":"red"}""", "colour", "not a known field" },
        { """{"name":"ci","role":""", "$", "not valid JSON" },
        { "", "$", "not valid JSON" },
        { "null", "$", "not null" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Create_InvalidBody_400ProblemNamesTheFieldAndCreatesNothing(string body, string field, string message)
    {
        var app = await SharedAppAsync();
        var admin = app.Admin();

        var response = await admin.PostJsonAsync("/api/v1/keys", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString(), StringComparison.Ordinal);
        var keys = await (await admin.GetAsync("/api/v1/keys")).ReadAsync();
        Assert.Equal(1, keys.GetArrayLength()); // the bootstrap key only
    }

    [Fact]
    public async Task Create_NameAndBadRoleTogether_NamesBothFields()
    {
        await using var app = StartApp();

        var response = await app.Admin().PostJsonAsync("/api/v1/keys", """{"role":"superuser"}""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.ReadAsync()).GetProperty("errors");
        Assert.Equal(["name", "role"], errors.EnumerateObject().Select(p => p.Name).Order().ToArray());
    }

    [Fact]
    public async Task Create_ValidBody_201WithIdAndKeyOnce()
    {
        await using var app = StartApp();
        var admin = app.Admin();

        var response = await admin.PostJsonAsync("/api/v1/keys", """{"name":"ci pipeline","role":"ingest"}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync();
        var id = created.GetProperty("id").GetString();
        var key = created.GetProperty("key").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.True(key is { Length: >= 32 }, $"the key '{key}' is too short to be a secret");
        Assert.Equal("ingest", created.GetProperty("role").GetString());
        var listed = await (await admin.GetAsync("/api/v1/keys")).ReadAsync();
        var entry = Assert.Single(listed.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        Assert.Equal("ci pipeline", entry.GetProperty("name").GetString());
        Assert.Equal("ingest", entry.GetProperty("role").GetString());
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("revokedAt").ValueKind);
    }

    [Fact]
    public async Task Create_TwoKeys_DifferentSecrets()
    {
        await using var app = StartApp();
        var admin = app.Admin();

        var first = await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"a","role":"viewer"}""")).ReadAsync();
        var second = await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"a","role":"viewer"}""")).ReadAsync();

        Assert.NotEqual(first.GetProperty("key").GetString(), second.GetProperty("key").GetString());
        Assert.NotEqual(first.GetProperty("id").GetString(), second.GetProperty("id").GetString());
    }

    [Fact]
    public async Task List_AfterCreatingKeys_NeverReturnsASecret()
    {
        await using var app = StartApp();
        var admin = app.Admin();
        var secrets = new List<string> { VigilApp.AdminKey };
        foreach (var role in new[] { "ingest", "viewer", "admin" })
        {
            var created = await (await admin.PostJsonAsync("/api/v1/keys", $$"""{"name":"{{role}} key","role":"{{role}}"}""")).ReadAsync();
            secrets.Add(created.GetProperty("key").GetString()!);
        }

        var response = await admin.GetAsync("/api/v1/keys");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, JsonDocument.Parse(text).RootElement.GetArrayLength());
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_Key_StoredHashedSecretNowhereInTheDatabase()
    {
        await using var app = StartApp();
        var created = await (await app.Admin().PostJsonAsync("/api/v1/keys", """{"name":"stored","role":"admin"}""")).ReadAsync();
        var id = created.GetProperty("id").GetString()!;
        var secret = created.GetProperty("key").GetString()!;
        (await app.WithKey(secret).GetAsync("/api/v1/keys")).EnsureSuccessStatusCode(); // verified, so cached too

        await using var database = new Database(Database.Options);
        await using var connection = await database.OpenAsync();
        var stored = await connection.QuerySingleAsync<(string Hash, string Prefix)>(
            "SELECT key_hash, key_prefix FROM api_keys WHERE id = @id", new { id });
        var everything = await DumpAsync(connection, Provider);

        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(secret))), stored.Hash);
        Assert.True(secret.StartsWith(stored.Prefix, StringComparison.Ordinal) && stored.Prefix.Length < secret.Length / 2, $"prefix '{stored.Prefix}'");
        Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(VigilApp.AdminKey, everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_ActiveKey_204AndListedAsRevoked()
    {
        await using var app = StartApp();
        var admin = app.Admin();
        var created = await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"old","role":"viewer"}""")).ReadAsync();
        var id = created.GetProperty("id").GetString();

        var response = await admin.DeleteAsync($"/api/v1/keys/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var listed = await (await admin.GetAsync("/api/v1/keys")).ReadAsync();
        var entry = Assert.Single(listed.EnumerateArray(), k => k.GetProperty("id").GetString() == id);
        Assert.Equal(app.Time.GetUtcNow(), entry.GetProperty("revokedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Delete_UnknownId_404Problem()
    {
        await using var app = StartApp();

        var response = await app.Admin().DeleteAsync("/api/v1/keys/no-such-key");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("no-such-key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_AlreadyRevokedKey_404Problem()
    {
        await using var app = StartApp();
        var admin = app.Admin();
        var id = (await (await admin.PostJsonAsync("/api/v1/keys", """{"name":"twice","role":"viewer"}""")).ReadAsync()).GetProperty("id").GetString();
        (await admin.DeleteAsync($"/api/v1/keys/{id}")).EnsureSuccessStatusCode();

        var response = await admin.DeleteAsync($"/api/v1/keys/{id}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_KeyThenRestart_KeyStillWorks()
    {
        string key;
        await using (var first = StartApp())
        {
            key = (await (await first.Admin().PostJsonAsync("/api/v1/keys", """{"name":"durable","role":"viewer"}""")).ReadAsync()).GetProperty("key").GetString()!;
        }

        await using var second = StartApp();
        var response = await second.WithKey(key).GetAsync("/api/v1/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>Every value of every row of every table, as text (blobs decoded as UTF-8).</summary>
    private static async Task<string> DumpAsync(System.Data.Common.DbConnection connection, StorageProvider provider)
    {
        var tables = await connection.QueryAsync<string>(provider == StorageProvider.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        var text = new StringBuilder();
        foreach (var table in tables)
        {
            foreach (IDictionary<string, object?> row in await connection.QueryAsync($"SELECT * FROM \"{table}\""))
            {
                foreach (var value in row.Values)
                {
                    text.Append(value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        Assert.Contains("api_keys", tables);
        return text.ToString();
    }
}

public sealed class SqliteKeyEndpointsTests(SharedServer shared) : KeyEndpointsTests(StorageProvider.Sqlite, shared);

public sealed class PostgresKeyEndpointsTests(SharedServer shared) : KeyEndpointsTests(StorageProvider.Postgres, shared);
