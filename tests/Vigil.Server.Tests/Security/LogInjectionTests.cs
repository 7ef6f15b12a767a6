using System.Text.Json;
using Vigil.Server.Tests.Delivery;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9, Low, log injection: a note with CR/LF, an ANSI escape sequence and NUL was logged
/// raw (a forged log line, a recoloured terminal), and a 1 MB note was accepted.
/// </summary>
public abstract class LogInjectionTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string Hostile = "done\r\n2026-11-23 12:00:00 info: admin key revoked\u001b[2J\u001b[31m\u0007end";

    [Theory]
    [InlineData("acknowledge")]
    [InlineData("resolve")]
    [InlineData("silence")]
    public async Task AlertAction_NoteWithControlCharacters_LoggedOnOneLineEncoded(string action)
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses()).CaptureLogs();
        var (alertId, _) = await AcknowledgeLinkTests.FiringAlertWithLinkAsync(app);
        var body = JsonSerializer.Serialize(new { note = Hostile, durationMinutes = action == "silence" ? 60 : (int?)null }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });

        var response = await app.Admin().PostJsonAsync($"/api/v1/alerts/{alertId}/{action}", body);

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var line = Assert.Single(app.Logs!.Lines, l => l.EventId.Id == 4001 && l.Message.Contains("done", StringComparison.Ordinal)).Message;
        Assert.DoesNotContain('\r', line);
        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\u0007', line);
        Assert.DoesNotContain('\u001b', line);
        Assert.Contains(@"done\r\n2026-11-23 12:00:00 info: admin key revoked\e[2J\e[31m\u0007end", line, StringComparison.Ordinal);

        // The history keeps what the admin wrote.
        var history = (await (await app.Admin().GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync()).GetProperty("history");
        Assert.Contains(history.EnumerateArray(), t => t.GetProperty("note").GetString() == Hostile);
    }

    [Theory]
    [InlineData("acknowledge", "")]
    [InlineData("resolve", "")]
    [InlineData("silence", "\"durationMinutes\":60,")]
    public async Task AlertAction_MegabyteNote_ProblemNamesTheField_AlertUnchanged(string action, string extra)
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var (alertId, _) = await AcknowledgeLinkTests.FiringAlertWithLinkAsync(app);

        var response = await app.Admin().PostJsonAsync($"/api/v1/alerts/{alertId}/{action}", $$"""{{{extra}}"note":"{{new string('n', 1 << 20)}}"}""");

        await AssertProblemAsync(response, "note", "longer than 2000 characters");
        Assert.Equal("firing", (await (await app.Admin().GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync()).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("/api/v1/alerts/{0}/acknowledge", "note", "{{\"note\":\"a\\u0000b\"}}")]
    [InlineData("/api/v1/alerts/{0}/silence", "note", "{{\"durationMinutes\":60,\"note\":\"a\\u0000b\"}}")]
    [InlineData("/api/v1/silences", "comment", "{{\"severity\":\"critical\",\"durationMinutes\":60,\"comment\":\"a\\u0000b\"}}")]
    public async Task NoteOrComment_WithNul_ProblemNamesTheField(string path, string field, string body)
    {
        // PostgreSQL cannot store NUL in text: it answered 503.
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var (alertId, _) = await AcknowledgeLinkTests.FiringAlertWithLinkAsync(app);

        var response = await app.Admin().PostJsonAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, path, alertId), string.Format(System.Globalization.CultureInfo.InvariantCulture, body));

        await AssertProblemAsync(response, field, "NUL");
    }

    [Fact]
    public async Task AlertAction_NoteOf2000Characters_Accepted()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        var (alertId, _) = await AcknowledgeLinkTests.FiringAlertWithLinkAsync(app);

        var response = await app.Admin().PostJsonAsync($"/api/v1/alerts/{alertId}/acknowledge", $$"""{"note":"{{new string('n', 2000)}}"}""");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class SqliteLogInjectionTests() : LogInjectionTests(StorageProvider.Sqlite);

public sealed class PostgresLogInjectionTests() : LogInjectionTests(StorageProvider.Postgres);
