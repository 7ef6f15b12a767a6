using System.Net;
using System.Text;
using Vigil.Storage;
using static Vigil.Server.Tests.Errors.SentryHttp;
using static Vigil.Server.Tests.Otlp.OtlpHttp;

namespace Vigil.Server.Tests.Errors;

/// <summary>
/// Bad requests to the Sentry endpoints and the issues API: a clear 4xx problem naming what is
/// wrong, never a 5xx; one shared server, since none of them records anything.
/// </summary>
public abstract class ErrorBadInputTests(StorageProvider provider, SharedServer shared) : ServerTestBase(provider, shared), IClassFixture<SharedServer>
{
    public static TheoryData<string, string?, string?, int, string> BadEnvelopes => new()
    {
        // body (\n-separated text, or "gzip-bomb"/"truncated-gzip"), content type, content encoding, status, fragment of the answer
        { "{}\n{\"type\":\"event\",\"length\":500}\n{}", EnvelopeType, null, 400, "truncated" },
        { "{}\n{\"length\":2}\n{}", EnvelopeType, null, 400, "no 'type'" },
        { "not an envelope", EnvelopeType, null, 400, "header" },
        { "{}\n{\"type\":\"event\"}\n{\"event_id\":\"nope\"}", EnvelopeType, null, 400, "items[0]" },
        { "{}\n{\"type\":\"event\"}\n[1,2]", EnvelopeType, null, 400, "items[0]" },
        { "truncated-gzip", EnvelopeType, "gzip", 400, "gzip" },
        { "{}", "application/xml", null, 415, "Unsupported media type" },
        { "{}", EnvelopeType, "br", 415, "Content-Encoding" },
        { "gzip-bomb", EnvelopeType, "gzip", 413, "larger than" },
    };

    [Theory]
    [MemberData(nameof(BadEnvelopes))]
    public async Task Envelope_Bad_ClearProblem(string body, string? contentType, string? encoding, int status, string fragment)
    {
        var app = await SharedAppAsync();
        var bytes = body switch
        {
            "truncated-gzip" => Gzip(Envelope(Id(1), null, ("event", Event(Id(1)))))[..40],
            "gzip-bomb" => Gzip(new byte[(16 << 20) + 1]),
            _ => Encoding.UTF8.GetBytes(body),
        };

        using var response = await SendEnvelopeAsync(SentryClient(app), bytes, contentType: contentType!, encoding: encoding);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(fragment, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("not-a-vigil-key", 401)]
    public async Task Envelope_NoOrUnknownKey_Unauthorized(string? key, int status)
    {
        var app = await SharedAppAsync();
        var client = key is null ? app.WithKey(null) : SentryClient(app, key);

        using var response = await SendEnvelopeAsync(client, Envelope(Id(1), null, ("event", Event(Id(1)))));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/api/v1/issues?state=open", "state")]
    [InlineData("/api/v1/issues?sort=newest", "sort")]
    [InlineData("/api/v1/issues?limit=0", "limit")]
    [InlineData("/api/v1/issues?offset=-1", "offset")]
    public async Task List_BadFilter_ProblemNamesTheField(string url, string field)
    {
        var app = await SharedAppAsync();

        await Json.AssertProblemAsync(await app.Admin().GetAsync(url), field, "must");
    }

    [Theory]
    [InlineData("""{"state":"fixed"}""", "state")]
    [InlineData("""{"state":1}""", "state")]
    [InlineData("""{}""", "state")]
    [InlineData("""{"state":"resolved","title":"x"}""", "title")]
    public async Task Patch_BadBody_ProblemNamesTheField(string body, string field)
    {
        var app = await SharedAppAsync();

        await Json.AssertProblemAsync(await app.Admin().PatchAsync("/api/v1/issues/iss_none", Json.Body(body)), field, "'");
    }

    [Fact]
    public async Task GetAndPatch_UnknownIssue_NotFound()
    {
        var app = await SharedAppAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().GetAsync("/api/v1/issues/iss_none")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Admin().PatchAsync("/api/v1/issues/iss_none", Json.Body("""{"state":"resolved"}"""))).StatusCode);
    }
}

public sealed class SqliteErrorBadInputTests(SharedServer shared) : ErrorBadInputTests(StorageProvider.Sqlite, shared);

public sealed class PostgresErrorBadInputTests(SharedServer shared) : ErrorBadInputTests(StorageProvider.Postgres, shared);
