using System.Text;
using Vigil.Errors.Sentry;

namespace Vigil.Errors.Tests.Sentry;

public sealed class SentryEventReaderTests
{
    [Fact]
    public void TryRead_DotNetEvent_ExceptionFramesAndContext()
    {
        const string Json = """
            {"event_id":"9ec79c33-ec99-42ab-8353-589fcb2e04dc","timestamp":"2026-11-23T12:00:00.5Z","level":"error","platform":"csharp",
             "release":"shop@1.2.0","environment":"production","transaction":"GET /orders/{id}",
             "user":{"id":"u-42","email":"ann@example.com","ip_address":"{{auto}}"},
             "tags":{"service":"shop","region":"eu"},
             "request":{"url":"https://shop.example/orders/42?token=abc","method":"get","cookies":"sid=1","headers":{"Authorization":"Bearer x"},"data":"{\"card\":1}"},
             "contexts":{"trace":{"trace_id":"5B8EFFF798038103D269B633813FC60C"}},
             "exception":{"values":[
               {"type":"System.IO.IOException","value":"inner"},
               {"type":"System.InvalidOperationException","value":"Order 42 not found","module":"System.Private.CoreLib, Version=10.0.0.0",
                "stacktrace":{"frames":[{"function":"Invoke","module":"Microsoft.AspNetCore.Routing.EndpointMiddleware","in_app":false},
                                        {"function":"Get","module":"Shop.OrdersController","filename":"OrdersController.cs","lineno":31,"in_app":true}]}}]}}
            """;

        Assert.True(SentryEventReader.TryRead(Encoding.UTF8.GetBytes(Json), null, "project-1", 0, out var error, out var problem), problem);

        Assert.Equal(("9ec79c33ec9942ab8353589fcb2e04dc", "System.InvalidOperationException", "Order 42 not found"), (error!.EventId, error.ExceptionType, error.ExceptionValue));
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T12:00:00.5Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), error.TimestampMs);
        Assert.Equal(("shop@1.2.0", "production", "shop", "GET /orders/{id}", "u-42"), (error.Release, error.Environment, error.Service, error.Transaction, error.User));
        Assert.Equal("GET https://shop.example/orders/42", error.Request);
        Assert.Equal("5b8efff798038103d269b633813fc60c", error.TraceId);
        Assert.Equal(2, error.Frames.Count);
        Assert.Equal(("Shop.OrdersController", "Get", 31, true), (error.Frames[1].Module, error.Frames[1].Function, error.Frames[1].LineNo, error.Frames[1].InApp));
    }

    [Fact]
    public void TryRead_PythonStyleAndMessageEvent_Qualified()
    {
        const string Json = """
            {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","timestamp":1795000000.25,"level":"warn",
             "logentry":{"message":"Order %s failed","formatted":"Order 42 failed"},"tags":[["region","eu"],["n",3]],
             "fingerprint":["{{ default }}","x"],
             "exception":[{"type":"OrderError","module":"shop.errors","stacktrace":{"frames":[]}}]}
            """;

        Assert.True(SentryEventReader.TryRead(Encoding.UTF8.GetBytes(Json), null, "project-1", 0, out var error, out var problem), problem);

        Assert.Equal(("shop.errors.OrderError", "Order 42 failed", "warning", 1_795_000_000_250L), (error!.ExceptionType, error.Message, error.Level, error.TimestampMs));
        Assert.Equal("project-1", error.Service);
        Assert.Equal("3", error.Tags["n"]);
        Assert.Equal(["{{ default }}", "x"], error.Fingerprint!);
    }

    [Fact]
    public void TryRead_HugeValues_Clipped()
    {
        var json = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"message\":\"" + new string('m', 100_000) + "\",\"tags\":{\"t\":\"" + new string('t', 10_000) + "\"}}";

        Assert.True(SentryEventReader.TryRead(Encoding.UTF8.GetBytes(json), null, "p", 0, out var error, out _));

        Assert.True(error!.Message!.Length <= 2_001);
        Assert.True(error.Tags["t"].Length <= 201);
    }

    [Theory]
    [InlineData("[1]", "JSON object")]
    [InlineData("{\"event_id\":\"nope\"}", "event_id")]
    [InlineData("{", "not valid JSON")]
    public void TryRead_Malformed_Problem(string json, string expected)
    {
        Assert.False(SentryEventReader.TryRead(Encoding.UTF8.GetBytes(json), null, "p", 0, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_NoEventIdInEvent_EnvelopeHeaderIdUsed()
    {
        Assert.True(SentryEventReader.TryRead("{}"u8.ToArray(), "9EC79C33EC9942AB8353589FCB2E04DC", "p", 5, out var error, out _));
        Assert.Equal(("9ec79c33ec9942ab8353589fcb2e04dc", 5L, "error"), (error!.EventId, error.TimestampMs, error.Level));
    }
}
