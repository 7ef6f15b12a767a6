using Microsoft.Extensions.Time.Testing;
using Vigil.Otlp.Traces;
using static Vigil.Otlp.Tests.Traces.OtlpTraces;

namespace Vigil.Otlp.Tests.Traces;

public class TraceSamplerTests
{
    private static readonly Dictionary<string, string> NoAttributes = [];
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Sampled_SameTraceId_SameAnswerEveryTime()
    {
        var answers = Enumerable.Range(0, 500).Select(i => TraceSampler.Sampled(TraceId(i), 10)).ToArray();

        Assert.Equal(answers, Enumerable.Range(0, 500).Select(i => TraceSampler.Sampled(TraceId(i), 10)));
    }

    [Theory]
    [InlineData(10)]
    [InlineData(50)]
    public void Sampled_ManyTraces_ShareNearThePercent(double percent)
    {
        var ids = Enumerable.Range(0, 20_000).Select(i => Guid.NewGuid().ToString("N"));

        var share = ids.Count(id => TraceSampler.Sampled(id, percent)) / 200.0;

        Assert.InRange(share, percent - 2, percent + 2);
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(100, true)]
    public void Sampled_Bounds_NoneOrAll(double percent, bool expected) => Assert.All(Enumerable.Range(0, 200), i => Assert.Equal(expected, TraceSampler.Sampled(TraceId(i), percent)));

    [Fact]
    public void Keep_NotSampled_OnlyErrorTracesKeptWithAllTheirSpans()
    {
        var sampler = Sampler(new TraceOptions { SamplePercent = 0 });
        var ok = Spans(TraceId(1), isError: false);
        var failed = Spans(TraceId(2), isError: true);

        var kept = sampler.Keep([.. ok, .. failed]);

        Assert.Equal(failed, kept);
    }

    [Fact]
    public void Keep_ErrorTrace_ItsLaterSpansKeptUntilTheyExpire()
    {
        var sampler = Sampler(new TraceOptions { SamplePercent = 0 });
        sampler.Keep(Spans(TraceId(3), isError: true));

        var later = sampler.Keep([Span(TraceId(3), SpanId(9), SpanId(1), false, null, 5)]);
        _time.Advance(TimeSpan.FromMinutes(11));
        var expired = sampler.Keep([Span(TraceId(3), SpanId(10), SpanId(1), false, null, 5)]);

        Assert.Single(later);
        Assert.Empty(expired);
    }

    [Fact]
    public void Keep_ErrorsNotKept_WhenKeepErrorsIsOff()
    {
        var sampler = Sampler(new TraceOptions { SamplePercent = 0, KeepErrors = false });

        Assert.Empty(sampler.Keep(Spans(TraceId(4), isError: true)));
    }

    [Fact]
    public void Keep_TransactionAboveItsRoutesP95_KeptOnceTheRouteHasEnoughTransactions()
    {
        var sampler = Sampler(new TraceOptions { SamplePercent = 0, SlowAfterTransactions = 20 });
        var slowEarly = sampler.Keep([Span(TraceId(100), SpanId(1), null, false, "/orders", 900)]);
        for (var i = 0; i < 30; i++)
        {
            Assert.Empty(sampler.Keep([Span(TraceId(200 + i), SpanId(1), null, false, "/orders", 10 + (i % 5))]));
        }

        var slow = sampler.Keep([Span(TraceId(300), SpanId(1), null, false, "/orders", 500)]);
        var fastOtherRoute = sampler.Keep([Span(TraceId(301), SpanId(1), null, false, "/health", 500)]);

        Assert.Empty(slowEarly);
        Assert.Single(slow);
        Assert.Empty(fastOtherRoute);
    }

    private TraceSampler Sampler(TraceOptions options) => new(options, _time);

    private static TraceSpan[] Spans(string traceId, bool isError) =>
    [
        Span(traceId, SpanId(1), null, false, "/orders", 12),
        Span(traceId, SpanId(2), SpanId(1), isError, null, 5),
    ];

    private static TraceSpan Span(string traceId, string spanId, string? parent, bool isError, string? route, double durationMs) =>
        new(traceId, spanId, parent, "shop", "name", route is null ? "db" : "server", 1, durationMs, isError, null, NoAttributes, [], route, null);
}
