using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Vigil.Storage;

namespace Vigil.Server.Tests.Hosting;

/// <summary>
/// What needs no key: the OpenAPI document, its reference page (which must work with no
/// internet connection) and the health endpoints.
/// </summary>
public abstract partial class OpenApiAndHealthTests(StorageProvider provider) : ServerTestBase(provider)
{
    [Fact]
    public async Task GetOpenApi_Anonymous_DocumentListsTheApi()
    {
        await using var app = StartApp();

        var response = await app.WithKey(null).GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "/api/v1/metrics", "/api/v1/jobs/executions", "/api/v1/series", "/api/v1/keys", "/api/v1/keys/{id}", "/metrics", "/api/health" }, paths);
        var keys = document.RootElement.GetProperty("paths").GetProperty("/api/v1/keys");
        Assert.True(keys.TryGetProperty("post", out _) && keys.TryGetProperty("get", out _), keys.ToString());
    }

    [Fact]
    public async Task GetOpenApi_Document_DeclaresTheApiKeySchemes()
    {
        await using var app = StartApp();

        var document = await (await app.WithKey(null).GetAsync("/openapi/v1.json")).ReadAsync();

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
        Assert.Equal(2, document.GetProperty("security").GetArrayLength());
    }

    [Fact]
    public async Task GetDocs_FollowingRedirects_HtmlWhoseScriptsAndStylesAreServedByVigil()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);

        var (page, html) = await GetReferencePageAsync(client);

        var references = Referenced(html, page).ToList();
        Assert.NotEmpty(references);
        var external = references.Where(r => r.IsAbsoluteUri && r.Host != page.Host).ToList();
        Assert.True(external.Count == 0, "the reference page loads from another host: " + string.Join(", ", external));
        foreach (var asset in references)
        {
            var response = await client.GetAsync(asset);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset} -> {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task GetDocs_ReferencePage_FetchesNoFontFromAnotherHost()
    {
        await using var app = StartApp();
        var client = app.WithKey(null);
        var (page, html) = await GetReferencePageAsync(client);

        // The page's own scripts: a font they pull from a CDN by default must be switched off in the page's configuration.
        var fontHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var script in Referenced(html, page).Where(r => r.AbsolutePath.EndsWith(".js", StringComparison.Ordinal)))
        {
            foreach (Match font in ExternalFont().Matches(await client.GetStringAsync(script)))
            {
                fontHosts.Add(font.Groups["host"].Value);
            }
        }

        var defaultFontsOff = DefaultFontsOff().IsMatch(html);
        Assert.True(fontHosts.Count == 0 || defaultFontsOff,
            $"offline, the reference page would try to load its fonts from {string.Join(", ", fontHosts)}: its configuration does not set withDefaultFonts to false");
    }

    [Fact]
    public async Task GetHealth_QuickWithoutKey_200Healthy()
    {
        await using var app = StartApp();

        var response = await app.WithKey(null).GetAsync("/api/health?quick=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (await response.ReadAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task GetHealth_QuickWithUnknownKey_Still200()
    {
        await using var app = StartApp();

        var response = await app.WithKey("vgl_not-a-key-that-exists-anywhere-00000000000").GetAsync("/api/health?quick=true");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task GetHealth_Full_HealthyWithDatabaseCheckAndOverallCounts()
    {
        await using var app = StartApp();

        var response = await app.WithKey(null).GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.ReadAsync();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        var checks = health.GetProperty("checks");
        var database = checks.GetProperty("database");
        Assert.Equal("healthy", database.GetProperty("status").GetString());
        Assert.Equal(Provider.ToString().ToLowerInvariant(), database.GetProperty("details").GetProperty("provider").GetString());
        Assert.True(database.GetProperty("responseTime").GetDouble() >= 0);
        var overall = health.GetProperty("overall");
        var total = checks.EnumerateObject().Count();
        Assert.Equal(total, overall.GetProperty("total").GetInt32());
        Assert.Equal(total, overall.GetProperty("healthy").GetInt32());
        Assert.Equal(0, overall.GetProperty("degraded").GetInt32());
        Assert.Equal(0, overall.GetProperty("unhealthy").GetInt32());
    }

    [Fact]
    public async Task Uptime_FirstRequestFiveMinutesAfterStart_CountsFromStart()
    {
        // Arrange: the host starts, then five minutes pass before anyone asks.
        await using var app = StartApp();
        var startedAt = app.Time.GetUtcNow();
        _ = app.Services;
        app.Time.Advance(TimeSpan.FromMinutes(5));

        // Act
        var quick = await (await app.WithKey(null).GetAsync("/api/health?quick=true")).ReadAsync();
        var full = await (await app.WithKey(null).GetAsync("/api/health")).ReadAsync();
        var summary = await (await app.Admin().GetAsync("/api/v1/metrics")).ReadAsync();
        var exposition = await app.Admin().GetStringAsync("/metrics");

        // Assert
        Assert.Equal(300_000, quick.GetProperty("uptime").GetInt64());
        Assert.Equal(300_000, full.GetProperty("uptime").GetInt64());
        Assert.Equal(300_000, summary.GetProperty("system").GetProperty("uptime").GetInt64());
        var startTime = exposition.Split('\n').Single(line => line.StartsWith("vigil_start_time_seconds ", StringComparison.Ordinal));
        Assert.Equal(startedAt.ToUnixTimeSeconds(), double.Parse(startTime["vigil_start_time_seconds ".Length..], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task GetHealthCheck_Database_200WithThatCheckOnly()
    {
        await using var app = StartApp();

        var response = await app.WithKey(null).GetAsync("/api/health/database");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var health = await response.ReadAsync();
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(["database"], health.GetProperty("checks").EnumerateObject().Select(c => c.Name).ToArray());
    }

    [Fact]
    public async Task GetHealthCheck_UnknownName_404Problem()
    {
        await using var app = StartApp();

        var response = await app.WithKey(null).GetAsync("/api/health/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("nope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>GET /docs, following redirects; returns the final address and the HTML.</summary>
    private static async Task<(Uri Page, string Html)> GetReferencePageAsync(HttpClient client)
    {
        var response = await client.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = response.RequestMessage!.RequestUri!;
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        return (page, html);
    }

    /// <summary>The scripts, stylesheets and modules a page loads (src, link href, import ... from), resolved against the page.</summary>
    private static IEnumerable<Uri> Referenced(string html, Uri page) =>
        AssetReference().Matches(html)
            .Select(m => m.Groups["url"].Value)
            .Where(url => !url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) && !url.StartsWith('#'))
            .Select(url => new Uri(page, url))
            .Distinct();

    [GeneratedRegex("""(?:<script[^>]*\ssrc|<link[^>]*\shref)\s*=\s*["'](?<url>[^"']+)["']|\bimport\b[^'";]*?\bfrom\s*["'](?<url>[^"']+)["']""", RegexOptions.IgnoreCase)]
    private static partial Regex AssetReference();

    [GeneratedRegex("""url\(\s*["']?(?:https?:)?//(?<host>[^/"')\s]+)/[^)]*\.(?:woff2?|ttf|otf)""", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalFont();

    [GeneratedRegex("""["']?withDefaultFonts["']?\s*:\s*false""")]
    private static partial Regex DefaultFontsOff();
}

public sealed class SqliteOpenApiAndHealthTests() : OpenApiAndHealthTests(StorageProvider.Sqlite);

public sealed class PostgresOpenApiAndHealthTests() : OpenApiAndHealthTests(StorageProvider.Postgres);
