using Vigil.Client.Tests.Infrastructure;

namespace Vigil.Client.Tests.Recording;

public sealed class VigilClientTests : IAsyncLifetime
{
    private FakeVigilReceiver _receiver = null!;

    public static TheoryData<string?, MetricKind, double, string?> InvalidMetrics => new()
    {
        { null, MetricKind.Counter, 1, null },
        { "", MetricKind.Counter, 1, null },
        { "1st_metric", MetricKind.Counter, 1, null },
        { "orders-total", MetricKind.Counter, 1, null },
        { "orders total", MetricKind.Counter, 1, null },
        { "orders_total", MetricKind.Gauge, double.NaN, null },
        { "orders_total", MetricKind.Gauge, double.PositiveInfinity, null },
        { "orders_total", MetricKind.Gauge, double.NegativeInfinity, null },
        { "orders_total", MetricKind.Gauge, double.MaxValue, null },
        { "orders_total", MetricKind.Gauge, -1.000000000000001e15, null },
        { "request_ms", MetricKind.Timing, 1.7976931348623157e308, null },
        { "request_ms", MetricKind.Timing, -1, null },
        { "orders_total", (MetricKind)42, 1, null },
        { "orders_total", MetricKind.Counter, 1, "bad-label" },
        { "orders_total", MetricKind.Counter, 1, "1label" },
        { "orders_total", MetricKind.Counter, 1, "" },
        { "orders_total", MetricKind.Counter, 1, "name:with_colon" },
        { new string('a', 201), MetricKind.Counter, 1, null },
        { "vigil_ingested_total", MetricKind.Counter, 1, null },
        { "orders_total", MetricKind.Counter, 1, "__name__" },
        { "orders_total", MetricKind.Counter, 1, new string('l', 129) },
        { "request_ms", MetricKind.Timing, 1, "quantile" },
    };

    public async Task InitializeAsync() => _receiver = await FakeVigilReceiver.StartNewAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Theory]
    [MemberData(nameof(InvalidMetrics))]
    public async Task RecordMetric_InvalidInput_DroppedAndCountedNotThrown(string? name, MetricKind kind, double value, string? labelName)
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        var labels = labelName is null ? null : new Dictionary<string, string> { [labelName] = "x" };

        var exception = Record.Exception(() => harness.Client.RecordMetric(name!, kind, value, labels));

        Assert.Null(exception);
        Assert.Equal(new VigilClientStats { Dropped = 1 }, harness.Client.Stats);
        await harness.Client.FlushAsync();
        Assert.Empty(_receiver.Requests);
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Name == "InvalidInputDropped");
    }

    [Theory]
    [InlineData("orders_total")]
    [InlineData("_private")]
    [InlineData("http:server:requests")]
    [InlineData("Z9")]
    public async Task RecordMetric_ValidName_IsBufferedAndSent(string name)
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        harness.Client.RecordMetric(name, MetricKind.Counter, 1, new Dictionary<string, string> { ["_tenant9"] = "" });

        Assert.Equal(new VigilClientStats { Buffered = 1 }, harness.Client.Stats);
        await harness.Client.FlushAsync();
        Assert.Equal(name, Assert.Single(_receiver.AcceptedPoints()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task RecordMetric_AtTheServerLimits_IsAccepted()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        var labels = Enumerable.Range(0, 31).ToDictionary(i => $"l{i}", _ => new string('v', 1024));
        labels["quantile"] = "0.5";

        harness.Client.RecordMetric(new string('a', 200), MetricKind.Gauge, 1, labels);
        harness.Client.RecordMetric("orders_total", MetricKind.Counter, 1, timestamp: ObservableTimeProvider.StartTime.AddDays(-29));
        harness.Client.RecordMetric("orders_total", MetricKind.Counter, 1, timestamp: ObservableTimeProvider.StartTime.AddMinutes(59));

        Assert.Equal(new VigilClientStats { Buffered = 3 }, harness.Client.Stats);
    }

    [Fact]
    public async Task RecordMetric_OverTheServerLimits_DroppedAndCountedNotThrown()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        harness.Client.Increment("orders_total", Enumerable.Range(0, 33).ToDictionary(i => $"l{i}", _ => "v"));
        harness.Client.Increment("orders_total", new Dictionary<string, string> { ["region"] = new string('v', 1025) });
        harness.Client.RecordMetric("orders_total", MetricKind.Counter, 1, timestamp: ObservableTimeProvider.StartTime.AddDays(-31));
        harness.Client.RecordMetric("orders_total", MetricKind.Counter, 1, timestamp: ObservableTimeProvider.StartTime.AddHours(2));

        Assert.Equal(new VigilClientStats { Dropped = 4 }, harness.Client.Stats);
    }

    [Fact]
    public async Task RecordJobExecution_OverTheServerLimits_DroppedAndCountedNotThrown()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        harness.Client.RecordJobExecution(new string('j', 1025), true, 1);
        harness.Client.RecordJobExecution("content-generation", true, 1, Enumerable.Range(0, 65).ToDictionary(i => $"k{i}", _ => "v"));
        harness.Client.RecordJobExecution("content-generation", true, 1, timestamp: ObservableTimeProvider.StartTime.AddDays(-31));
        harness.Client.RecordJobExecution("content-generation", true, 1, Enumerable.Range(0, 64).ToDictionary(i => $"k{i}", _ => "v"));

        Assert.Equal(new VigilClientStats { Dropped = 3, Buffered = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task RecordMetric_LabelValueNull_DroppedAndCountedNotThrown()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        harness.Client.RecordMetric("orders_total", MetricKind.Counter, 1, new Dictionary<string, string> { ["region"] = null! });

        Assert.Equal(new VigilClientStats { Dropped = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task RecordMetric_InvalidAmongValid_OnlyTheInvalidPointIsLost()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        harness.Client.Increment("orders_total");
        harness.Client.Increment("bad name");
        harness.Client.Increment("orders_total");
        await harness.Client.FlushAsync();

        Assert.Equal(2, _receiver.AcceptedPoints().Count);
        Assert.Equal(new VigilClientStats { Sent = 2, Dropped = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task RecordMetric_LabelsChangedAfterRecording_SendsLabelsAsRecorded()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        var labels = new Dictionary<string, string> { ["region"] = "eu" };

        harness.Client.Increment("orders_total", labels);
        labels["region"] = "us";
        labels["extra"] = "x";
        await harness.Client.FlushAsync();

        var sent = Assert.Single(_receiver.AcceptedPoints()).GetProperty("labels");
        Assert.Equal(["region"], sent.EnumerateObject().Select(p => p.Name));
        Assert.Equal("eu", sent.GetProperty("region").GetString());
    }

    [Fact]
    public async Task RecordMetric_BufferFull_DropsOldestAndCountsThem()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.MaxBufferedPoints = 10);

        for (int i = 0; i < 25; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        Assert.Equal(new VigilClientStats { Dropped = 15, Buffered = 10 }, harness.Client.Stats);
        await harness.Client.FlushAsync();
        Assert.Equal(
            Enumerable.Range(15, 10).Select(i => (double)i),
            _receiver.AcceptedPoints().Select(p => p.GetProperty("value").GetDouble()));
        Assert.Equal(new VigilClientStats { Sent = 10, Dropped = 15 }, harness.Client.Stats);
    }

    [Fact]
    public async Task RecordMetric_ManyThreads_EveryPointIsSentOrCounted()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.MaxBufferedPoints = 1_000);

        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 2_000; i++)
            {
                harness.Client.Increment("orders_total");
            }
        });
        await harness.Client.FlushAsync();

        var stats = harness.Client.Stats;
        Assert.Equal(1_000, stats.Sent);
        Assert.Equal(15_000, stats.Dropped);
        Assert.Equal(0, stats.Buffered);
        Assert.Equal(1_000, _receiver.AcceptedPoints().Count);
    }

    [Theory]
    [InlineData(null, 10.0)]
    [InlineData("", 10.0)]
    [InlineData("   ", 10.0)]
    [InlineData("content-generation", double.NaN)]
    [InlineData("content-generation", double.PositiveInfinity)]
    [InlineData("content-generation", double.MaxValue)]
    [InlineData("content-generation", 1.000000000000001e15)]
    [InlineData("content-generation", -1.0)]
    public async Task RecordJobExecution_InvalidInput_DroppedAndCountedNotThrown(string? jobId, double durationMs)
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        var exception = Record.Exception(() => harness.Client.RecordJobExecution(jobId!, true, durationMs));

        Assert.Null(exception);
        Assert.Equal(new VigilClientStats { Dropped = 1 }, harness.Client.Stats);
        await harness.Client.FlushAsync();
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task RecordJobExecution_MetadataValueNull_DroppedAndCountedNotThrown()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        harness.Client.RecordJobExecution("content-generation", true, 1, new Dictionary<string, string> { ["k"] = null! });

        Assert.Equal(new VigilClientStats { Dropped = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task Record_Disabled_RecordsAndSendsNothing()
    {
        await using var harness = ClientHarness.Create(endpoint: null, o => o.Enabled = false);

        harness.Client.Increment("orders_total");
        harness.Client.Increment("bad name");
        harness.Client.RecordJobExecution("content-generation", true, 1);
        await harness.Client.FlushAsync();

        Assert.Equal(default, harness.Client.Stats);
        Assert.Empty(_receiver.Requests);
    }

    [Fact]
    public async Task TrackJobAsync_WorkSucceeds_RecordsSuccessWithMeasuredDuration()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        CancellationToken seen = default;
        using var cancellation = new CancellationTokenSource();

        await harness.Client.TrackJobAsync(
            "content-generation",
            ct =>
            {
                seen = ct;
                harness.Time.Advance(TimeSpan.FromMilliseconds(2500));
                return Task.CompletedTask;
            },
            cancellation.Token);
        await harness.Client.FlushAsync();

        Assert.Equal(cancellation.Token, seen);
        var execution = Assert.Single(_receiver.AcceptedExecutions());
        Assert.Equal("content-generation", execution.GetProperty("jobId").GetString());
        Assert.True(execution.GetProperty("success").GetBoolean());
        Assert.Equal(2500, execution.GetProperty("durationMs").GetDouble());
        Assert.Equal("2026-11-23T18:00:02.500Z", execution.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task TrackJobAsync_WithResult_ReturnsResultAndRecordsSuccess()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        int result = await harness.Client.TrackJobAsync("count-orders", async ct =>
        {
            await Task.Yield();
            harness.Time.Advance(TimeSpan.FromMilliseconds(40));
            return 42;
        });
        await harness.Client.FlushAsync();

        Assert.Equal(42, result);
        var execution = Assert.Single(_receiver.AcceptedExecutions());
        Assert.True(execution.GetProperty("success").GetBoolean());
        Assert.Equal(40, execution.GetProperty("durationMs").GetDouble());
    }

    [Fact]
    public async Task TrackJobAsync_WorkThrows_RecordsFailureAndRethrowsTheSameException()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        var failure = new InvalidOperationException("the model is overloaded");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Client.TrackJobAsync("content-generation", async _ =>
        {
            await Task.Yield();
            harness.Time.Advance(TimeSpan.FromMilliseconds(300));
            throw failure;
        }));
        await harness.Client.FlushAsync();

        Assert.Same(failure, thrown);
        Assert.Contains(nameof(TrackJobAsync_WorkThrows_RecordsFailureAndRethrowsTheSameException), thrown.StackTrace, StringComparison.Ordinal);
        var execution = Assert.Single(_receiver.AcceptedExecutions());
        Assert.False(execution.GetProperty("success").GetBoolean());
        Assert.Equal(300, execution.GetProperty("durationMs").GetDouble());
        Assert.Equal("System.InvalidOperationException", execution.GetProperty("metadata").GetProperty("error").GetString());
    }

    [Fact]
    public async Task TrackJobAsync_WorkThrowsSynchronously_RecordsFailureAndRethrows()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        var failure = new TimeoutException();

        var thrown = await Assert.ThrowsAsync<TimeoutException>(() => harness.Client.TrackJobAsync<int>("count-orders", _ => throw failure));
        await harness.Client.FlushAsync();

        Assert.Same(failure, thrown);
        Assert.False(Assert.Single(_receiver.AcceptedExecutions()).GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task TrackJobAsync_InvalidJobId_StillRunsTheWork()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        bool ran = false;

        await harness.Client.TrackJobAsync("", _ =>
        {
            ran = true;
            return Task.CompletedTask;
        });

        Assert.True(ran);
        Assert.Equal(new VigilClientStats { Dropped = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task TrackJobAsync_NullWork_ThrowsArgumentNullException()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.TrackJobAsync("content-generation", null!));
    }
}
