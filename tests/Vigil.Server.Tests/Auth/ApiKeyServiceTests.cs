using System.Net;
using System.Text.RegularExpressions;
using Vigil.Storage;

namespace Vigil.Server.Tests.Auth;

/// <summary>
/// How an admin gets in: the configured bootstrap key, or, with no key at all, an admin key
/// created and printed once on the first start.
/// </summary>
public abstract partial class ApiKeyServiceTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string RotatedAdminKey = "rotated-admin-key-fedcba9876543210";

    [Fact]
    public async Task EnsureAdmin_NoKeyAtAll_CreatesAnAdminKeyAndPrintsItOnce()
    {
        await using var app = new AppWithoutBootstrapKey(Database);

        var printed = await ConsoleOfStartAsync(app.CreateClient);

        var key = Assert.Single(IssuedKey().Matches(printed)).Value;
        var response = await app.WithKey(key).GetAsync("/api/v1/keys");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var only = Assert.Single((await response.ReadAsync()).EnumerateArray());
        Assert.Equal("admin", only.GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithKey(VigilApp.AdminKey).GetAsync("/api/v1/keys")).StatusCode);
    }

    [Fact]
    public async Task EnsureAdmin_SecondStartWithoutBootstrapKey_PrintsNothingAndKeepsTheFirstKey()
    {
        string key;
        await using (var first = new AppWithoutBootstrapKey(Database))
        {
            key = IssuedKey().Match(await ConsoleOfStartAsync(first.CreateClient)).Value;
        }

        await using var second = new AppWithoutBootstrapKey(Database);
        var printed = await ConsoleOfStartAsync(second.CreateClient);

        Assert.DoesNotMatch(IssuedKey(), printed);
        var response = await second.WithKey(key).GetAsync("/api/v1/keys");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single((await response.ReadAsync()).EnumerateArray());
    }

    [Fact]
    public async Task EnsureAdmin_BootstrapKeyConfigured_CreatesNoOtherKeyAndPrintsNothing()
    {
        await using var app = StartApp();

        var printed = await ConsoleOfStartAsync(() => app.WithKey(null));

        Assert.DoesNotMatch(IssuedKey(), printed);
        var keys = await (await app.Admin().GetAsync("/api/v1/keys")).ReadAsync();
        var only = Assert.Single(keys.EnumerateArray());
        Assert.Equal("admin", only.GetProperty("role").GetString());
    }

    [Fact]
    public async Task EnsureAdmin_BootstrapKeyOnEveryStart_StoredOnce()
    {
        await using (var first = StartApp())
        {
            (await first.Admin().GetAsync("/api/v1/keys")).EnsureSuccessStatusCode();
        }

        await using var second = StartApp();
        var response = await second.Admin().GetAsync("/api/v1/keys");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single((await response.ReadAsync()).EnumerateArray());
    }

    [Fact]
    public async Task EnsureAdmin_BootstrapKeyChangedInConfiguration_OldKeyNoLongerAccepted()
    {
        await using (var first = StartApp())
        {
            (await first.Admin().GetAsync("/api/v1/keys")).EnsureSuccessStatusCode();
        }

        // An operator rotates Vigil__Auth__BootstrapAdminKey, for example because the old one leaked.
        await using var second = StartApp(settings: new() { ["Vigil:Auth:BootstrapAdminKey"] = RotatedAdminKey });
        var withNew = await second.WithKey(RotatedAdminKey).GetAsync("/api/v1/keys");
        var withOld = await second.Admin().GetAsync("/api/v1/keys");

        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOld.StatusCode);
    }

    /// <summary>Starts the host (creating its first client does) and returns what it wrote to the console while starting.</summary>
    private static async Task<string> ConsoleOfStartAsync(Func<HttpClient> createClient)
    {
        var original = Console.Out;
        using var captured = new StringWriter();
        Console.SetOut(captured);
        try
        {
            (await createClient().GetAsync("/api/health?quick=true")).EnsureSuccessStatusCode();
        }
        finally
        {
            Console.SetOut(original);
        }

        return captured.ToString();
    }

    [GeneratedRegex("vgl_[A-Za-z0-9_-]{43}")]
    private static partial Regex IssuedKey();
}

/// <summary>Tests that read the console: run alone, so no other test's output mixes in.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCaptureCollection
{
    public const string Name = "Auth: console capture";
}

[Collection(ConsoleCaptureCollection.Name)]
public sealed class SqliteApiKeyServiceTests() : ApiKeyServiceTests(StorageProvider.Sqlite);

[Collection(ConsoleCaptureCollection.Name)]
public sealed class PostgresApiKeyServiceTests() : ApiKeyServiceTests(StorageProvider.Postgres);
