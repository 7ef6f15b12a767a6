using System.Text;
using Microsoft.Extensions.Options;
using Vigil.Otlp.Traces;

namespace Vigil.Otlp.Tests.Traces;

/// <summary>Sentry transactions read as the OTLP export they stand for, then mapped by the one receiver.</summary>
public class SentryTransactionsTests
{
    private readonly OtlpTraceReceiver _receiver = new(Options.Create(new TraceOptions()));

    [Fact]
    public void TryRead_QueueTransactionWithRemoteParent_FailedStatus_NumericTimes_ConsumerTransactionInError()
    {
        var batch = Map("""
            {"type":"transaction","transaction":"process-payments","start_timestamp":1795000000.25,"timestamp":1795000000.75,
             "contexts":{"trace":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","parent_span_id":"00f067aa0ba902aa","op":"queue.process","status":"internal_error"}},
             "spans":[{"span_id":"00f067aa0ba902b8","parent_span_id":"00f067aa0ba902b7","op":"cache.get","description":"payments:42","start_timestamp":1795000000.3,"timestamp":1795000000.31}]}
            """, "project-7");

        Assert.Equal(0, batch.Rejected);
        var transaction = Assert.Single(batch.AcceptedSpans, s => s.IsTransaction);
        Assert.Equal(("project-7", "consumer", "process-payments", true, 500.0), (transaction.Service, transaction.Kind, transaction.Route, transaction.IsError, transaction.DurationMs));
        Assert.Equal("00f067aa0ba902aa", transaction.ParentSpanId);
        var cache = Assert.Single(batch.AcceptedSpans, s => !s.IsTransaction);
        Assert.Equal(("cache", "4bf92f3577b34da6a3ce929d0e0e4736"), (cache.Kind, cache.TraceId));
        Assert.Equal(10.0, cache.DurationMs, 3);
    }

    [Fact]
    public void TryRead_NotFoundStatus_IsNotAnError_ServiceFromTag_RouteFromName()
    {
        var batch = Map("""
            {"transaction":"GET /orders/{id}","start_timestamp":"2026-12-05T07:00:00.000Z","timestamp":"2026-12-05T07:00:00.040Z","tags":{"service":"shop"},
             "request":{"method":"get","url":"https://shop.example/orders/9?token=x"},
             "contexts":{"trace":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","op":"http.server","status":"not_found"},"response":{"status_code":404}}}
            """);

        var transaction = Assert.Single(batch.AcceptedSpans);
        Assert.Equal(("shop", "server", "/orders/{id}", "GET", false), (transaction.Service, transaction.Kind, transaction.Route, transaction.Method, transaction.IsError));
        Assert.Equal("404", transaction.Attributes["http.response.status_code"]);
        Assert.DoesNotContain(transaction.Attributes.Values, v => v.Contains("token", StringComparison.Ordinal));
    }

    [Fact]
    public void TryRead_SpanWithoutIdOrTimes_RefusedAlone_TransactionKept()
    {
        var batch = Map("""
            {"transaction":"nightly","start_timestamp":1795000000,"timestamp":1795000001,
             "contexts":{"trace":{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7","op":"task"}},
             "spans":[{"op":"db","description":"SELECT 1","start_timestamp":1795000000.1,"timestamp":1795000000.2},
                      {"span_id":"00f067aa0ba902b9","op":"db","description":"SELECT 2"}]}
            """);

        Assert.Equal(2, batch.Rejected);
        Assert.Contains("span_id", batch.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("start_time_unix_nano", batch.ErrorMessage, StringComparison.Ordinal);
        Assert.True(Assert.Single(batch.AcceptedSpans).IsTransaction);
    }

    [Theory]
    [InlineData("[1,2]", "JSON object")]
    [InlineData("{nope", "not valid JSON")]
    public void TryRead_NotAnObject_Problem(string json, string fragment)
    {
        Assert.False(SentryTransactions.TryRead(Encoding.UTF8.GetBytes(json), "project-1", out _, out var problem));
        Assert.Contains(fragment, problem, StringComparison.Ordinal);
    }

    private OtlpTracesBatch Map(string json, string defaultService = "project-1")
    {
        Assert.True(SentryTransactions.TryRead(Encoding.UTF8.GetBytes(json), defaultService, out var export, out var problem), problem);
        return _receiver.Map(export, 1_000);
    }
}
