using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vigil.Client.Tests.Infrastructure;

namespace Vigil.Client.Tests.Delivery;

public sealed class VigilSenderTests : IAsyncLifetime
{
    private FakeVigilReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await FakeVigilReceiver.StartNewAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task FlushAsync_MoreThanBatchSize_SendsBatchesOfAtMostBatchSizeInOrder()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        for (int i = 0; i < 2500; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        await harness.Client.FlushAsync();

        var requests = _receiver.Requests;
        Assert.All(requests, r => Assert.Equal(FakeVigilReceiver.MetricsPath, r.Path));
        Assert.Equal([1000, 1000, 500], requests.Select(r => r.Json.GetProperty("points").GetArrayLength()));
        Assert.Equal(Enumerable.Range(0, 2500).Select(i => (double)i), _receiver.AcceptedPoints().Select(p => p.GetProperty("value").GetDouble()));
        Assert.Equal(new VigilClientStats { Sent = 2500 }, harness.Client.Stats);
    }

    [Fact]
    public async Task FlushAsync_SmallBatchSize_HonoursConfiguredBatchSize()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.BatchSize = 3);
        for (int i = 0; i < 7; i++)
        {
            harness.Client.Increment("orders_total");
        }

        await harness.Client.FlushAsync();

        Assert.Equal([3, 3, 1], _receiver.Requests.Select(r => r.Json.GetProperty("points").GetArrayLength()));
    }

    [Fact]
    public async Task FlushAsync_ManyJobExecutions_SendsAtMost5000PerRequest()
    {
        // The server counts an execution as two points against its 10 000 points per request.
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.BatchSize = 10_000);
        for (int i = 0; i < 5001; i++)
        {
            harness.Client.RecordJobExecution("content-generation", true, i);
        }

        await harness.Client.FlushAsync();

        Assert.Equal([5000, 1], _receiver.Requests.Select(r => r.Json.GetProperty("executions").GetArrayLength()));
        Assert.Equal(5001, harness.Client.Stats.Sent);
    }

    [Fact]
    public async Task FlushAsync_MetricPoints_SendServerJsonShape()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        harness.Client.RecordMetric(
            "http_request_duration_ms",
            MetricKind.Timing,
            12.5,
            new Dictionary<string, string> { ["route"] = "/orders/{id}", ["method"] = "GET", ["status"] = "200" });
        harness.Client.Increment("orders_total", by: 3);
        harness.Client.RecordMetric("memory_bytes", MetricKind.Gauge, 1024, timestamp: new DateTimeOffset(2026, 11, 23, 20, 30, 15, 123, TimeSpan.FromHours(2)));

        await harness.Client.FlushAsync();

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(FakeVigilReceiver.MetricsPath, request.Path);
        Assert.Equal("application/json; charset=utf-8", request.ContentType);
        Assert.Equal(["points"], request.Json.EnumerateObject().Select(p => p.Name));
        var points = request.Json.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(3, points.Count);

        var timing = points[0];
        Assert.Equal(["name", "type", "value", "labels", "timestamp"], timing.EnumerateObject().Select(p => p.Name));
        Assert.Equal("http_request_duration_ms", timing.GetProperty("name").GetString());
        Assert.Equal("timing", timing.GetProperty("type").GetString());
        Assert.Equal(12.5, timing.GetProperty("value").GetDouble());
        Assert.Equal(
            new Dictionary<string, string?> { ["route"] = "/orders/{id}", ["method"] = "GET", ["status"] = "200" },
            timing.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()));
        Assert.Equal("2026-11-23T18:00:00.000Z", timing.GetProperty("timestamp").GetString());

        Assert.Equal("counter", points[1].GetProperty("type").GetString());
        Assert.Equal(3, points[1].GetProperty("value").GetDouble());
        Assert.Equal(JsonValueKind.Object, points[1].GetProperty("labels").ValueKind);
        Assert.Empty(points[1].GetProperty("labels").EnumerateObject());

        Assert.Equal("gauge", points[2].GetProperty("type").GetString());
        Assert.Equal("2026-11-23T18:30:15.123Z", points[2].GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task FlushAsync_ServiceName_AddedToPointsWithoutOne_KeptWhereThePointHasItsOwnOrNoRoom()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.ServiceName = "checkout");
        harness.Client.RecordMetric("http_request_duration_ms", MetricKind.Timing, 12.5, new Dictionary<string, string> { ["route"] = "/orders" });
        harness.Client.Increment("orders_total");
        harness.Client.RecordMetric("queue_depth", MetricKind.Gauge, 3, new Dictionary<string, string> { ["service"] = "worker" });
        var full = Enumerable.Range(0, 32).ToDictionary(i => $"l{i}", i => "v");
        harness.Client.RecordMetric("wide", MetricKind.Gauge, 1, full);

        await harness.Client.FlushAsync();

        var points = Assert.Single(_receiver.Requests).Json.GetProperty("points").EnumerateArray()
            .Select(p => p.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()))
            .ToList();
        Assert.Equal(new Dictionary<string, string?> { ["route"] = "/orders", ["service"] = "checkout" }, points[0]);
        Assert.Equal(new Dictionary<string, string?> { ["service"] = "checkout" }, points[1]);
        Assert.Equal(new Dictionary<string, string?> { ["service"] = "worker" }, points[2]);
        Assert.Equal(32, points[3].Count);
        Assert.DoesNotContain("service", points[3].Keys);
    }

    [Fact]
    public async Task FlushAsync_JobExecutions_SendServerJsonShape()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        harness.Time.Advance(TimeSpan.FromMilliseconds(42));
        harness.Client.RecordJobExecution("content-generation", success: true, 25000, new Dictionary<string, string> { ["k"] = "v" });
        harness.Client.RecordJobExecution("nightly-backup", success: false, 1.5);

        await harness.Client.FlushAsync();

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal(FakeVigilReceiver.JobsPath, request.Path);
        Assert.Equal(["executions"], request.Json.EnumerateObject().Select(p => p.Name));
        var executions = request.Json.GetProperty("executions").EnumerateArray().ToList();
        Assert.Equal(2, executions.Count);

        var first = executions[0];
        Assert.Equal(["jobId", "success", "durationMs", "timestamp", "metadata"], first.EnumerateObject().Select(p => p.Name));
        Assert.Equal("content-generation", first.GetProperty("jobId").GetString());
        Assert.True(first.GetProperty("success").GetBoolean());
        Assert.Equal(25000, first.GetProperty("durationMs").GetDouble());
        Assert.Equal("2026-11-23T18:00:00.042Z", first.GetProperty("timestamp").GetString());
        Assert.Equal("v", first.GetProperty("metadata").GetProperty("k").GetString());

        Assert.Equal("nightly-backup", executions[1].GetProperty("jobId").GetString());
        Assert.False(executions[1].GetProperty("success").GetBoolean());
        Assert.Equal(1.5, executions[1].GetProperty("durationMs").GetDouble());
    }

    [Fact]
    public async Task FlushAsync_MetricsAndJobs_SendsEachToItsEndpoint()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        harness.Client.Increment("orders_total");
        harness.Client.RecordJobExecution("content-generation", true, 10);

        await harness.Client.FlushAsync();

        Assert.Single(_receiver.AcceptedPoints());
        Assert.Single(_receiver.AcceptedExecutions());
        Assert.Equal(new VigilClientStats { Sent = 2 }, harness.Client.Stats);
    }

    [Fact]
    public async Task FlushAsync_EndpointWithPathPrefix_KeepsThePrefixAndDoesNotRetry404()
    {
        await using var harness = ClientHarness.Create(new Uri(_receiver.Endpoint, "/vigil"));
        harness.Client.Increment("orders_total");

        await harness.Client.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        var request = Assert.Single(_receiver.Requests);
        Assert.Equal("/vigil" + FakeVigilReceiver.MetricsPath, request.Path);
        Assert.Equal(StatusCodes.Status404NotFound, request.Status);
        Assert.Equal(new VigilClientStats { Dropped = 1, FailedAttempts = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task FlushAsync_WithApiKey_SendsBearerAuthorizationHeader()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.ApiKey = "vgl_ingest_123");
        harness.Client.Increment("orders_total");
        harness.Client.RecordJobExecution("content-generation", true, 10);

        await harness.Client.FlushAsync();

        Assert.Equal(2, _receiver.Requests.Count);
        Assert.All(_receiver.Requests, r => Assert.Equal("Bearer vgl_ingest_123", r.Authorization));
    }

    [Fact]
    public async Task FlushAsync_WithoutApiKey_SendsNoAuthorizationHeader()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.ApiKey = null);
        harness.Client.Increment("orders_total");

        await harness.Client.FlushAsync();

        Assert.Null(Assert.Single(_receiver.Requests).Authorization);
    }

    [Fact]
    public async Task FlushAsync_ReceiverFailsTwiceWith503_RetriesWithGrowingBackoffAndDelivers()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        _receiver.FailNext(2);
        for (int i = 0; i < 10; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        var flush = harness.Client.FlushAsync().AsTask();

        var firstWait = await harness.Time.WaitForTimerAsync(IsRetryWait);
        Assert.InRange(firstWait, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
        Assert.False(flush.IsCompleted);
        Assert.Equal(1, harness.Client.Stats.FailedAttempts);
        Assert.Equal(10, harness.Client.Stats.Buffered);
        harness.Time.Advance(firstWait);

        var secondWait = await harness.Time.WaitForTimerAsync(IsRetryWait);
        Assert.InRange(secondWait, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        harness.Time.Advance(secondWait);

        await flush.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([503, 503, 202], _receiver.Requests.Select(r => r.Status));
        Assert.All(_receiver.Requests, r => Assert.Equal(10, r.Json.GetProperty("points").GetArrayLength()));
        Assert.Equal(new VigilClientStats { Sent = 10, FailedAttempts = 2 }, harness.Client.Stats);
        Assert.Equal(2, harness.Logs.Entries.Count(e => e.EventId.Name == "BatchRetrying" && e.Level == LogLevel.Warning));
    }

    [Fact]
    public async Task FlushAsync_ManyFailures_BackoffIsCappedAtMaxRetryDelay()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.MaxRetryDelay = TimeSpan.FromSeconds(3));
        _receiver.FailNext(4, StatusCodes.Status500InternalServerError);
        harness.Client.Increment("orders_total");

        var flush = harness.Client.FlushAsync().AsTask();
        var waits = new List<TimeSpan>();
        for (int i = 0; i < 4; i++)
        {
            var wait = await harness.Time.WaitForTimerAsync(IsRetryWait);
            waits.Add(wait);
            harness.Time.Advance(wait);
        }

        await flush.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.All(waits, w => Assert.True(w <= TimeSpan.FromSeconds(3), $"waited {w}"));
        Assert.InRange(waits[3], TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(3));
        Assert.Equal(1, harness.Client.Stats.Sent);
    }

    [Fact]
    public async Task FlushAsync_429WithRetryAfter_WaitsRetryAfterBeforeRetrying()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        _receiver.FailNext(1, StatusCodes.Status429TooManyRequests, retryAfter: TimeSpan.FromSeconds(7));
        harness.Client.Increment("orders_total");

        var flush = harness.Client.FlushAsync().AsTask();

        Assert.Equal(TimeSpan.FromSeconds(7), await harness.Time.WaitForTimerAsync(IsRetryWait));
        harness.Time.Advance(TimeSpan.FromSeconds(7));
        await flush.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal([429, 202], _receiver.Requests.Select(r => r.Status));
        Assert.Equal(1, harness.Client.Stats.Sent);
    }

    [Fact]
    public async Task FlushAsync_ReceiverDown_RetriesUntilItComesUp()
    {
        await using var down = FakeVigilReceiver.CreateDown();
        await using var harness = ClientHarness.Create(down.Endpoint);
        harness.Client.Increment("orders_total");
        harness.Client.Increment("orders_total");

        var flush = harness.Client.FlushAsync().AsTask();
        var wait = await harness.Time.WaitForTimerAsync(IsRetryWait);
        Assert.Equal(1, harness.Client.Stats.FailedAttempts);

        await down.StartAsync();
        harness.Time.Advance(wait);
        await flush.WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(2, down.AcceptedPoints().Count);
        Assert.Equal(new VigilClientStats { Sent = 2, FailedAttempts = 1 }, harness.Client.Stats);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(413)]
    [InlineData(422)]
    public async Task FlushAsync_ReceiverRejectsBatch_DropsItWithoutRetryingAndLogs(int status)
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        _receiver.RejectNext(status, "points[2].name is invalid");
        for (int i = 0; i < 3; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        // Completes without the clock moving: there was no retry wait.
        await harness.Client.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        harness.Client.Gauge("queue_length", 99);
        await harness.Client.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal([status, 202], _receiver.Requests.Select(r => r.Status));
        Assert.Equal([99.0], _receiver.AcceptedPoints().Select(p => p.GetProperty("value").GetDouble()));
        Assert.Equal(new VigilClientStats { Sent = 1, Dropped = 3, FailedAttempts = 1 }, harness.Client.Stats);
        var log = Assert.Single(harness.Logs.Entries, e => e.EventId.Name == "BatchRejected");
        Assert.Equal(LogLevel.Warning, log.Level);
        Assert.Contains($"HTTP {status}", log.Message, StringComparison.Ordinal);
        Assert.Contains("points[2].name is invalid", log.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FlushAsync_BufferOverflowsWhileRetrying_KeepsBatchInFlightAndDropsOldestQueued()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o =>
        {
            o.BatchSize = 5;
            o.MaxBufferedPoints = 5;
        });
        _receiver.FailNext(1);
        for (int i = 0; i < 5; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        var flush = harness.Client.FlushAsync().AsTask();
        var wait = await harness.Time.WaitForTimerAsync(IsRetryWait);

        // Vigil is failing; the application keeps recording past the buffer's capacity.
        for (int i = 5; i < 12; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        Assert.Equal(2, harness.Client.Stats.Dropped);
        Assert.Equal(10, harness.Client.Stats.Buffered);
        harness.Time.Advance(wait);
        await flush.WaitAsync(TimeSpan.FromSeconds(15));
        await harness.Client.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(
            [0.0, 1, 2, 3, 4, 7, 8, 9, 10, 11],
            _receiver.AcceptedPoints().Select(p => p.GetProperty("value").GetDouble()));
        Assert.Equal(new VigilClientStats { Sent = 10, Dropped = 2, FailedAttempts = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task FlushAsync_CancelledWhileRetrying_KeepsTheBatchForTheNextFlush()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint);
        _receiver.FailNext(1);
        harness.Client.Increment("orders_total");
        using var cancel = new CancellationTokenSource();

        var flush = harness.Client.FlushAsync(cancel.Token).AsTask();
        await harness.Time.WaitForTimerAsync(IsRetryWait);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flush);
        Assert.Equal(1, harness.Client.Stats.Buffered);
        await harness.Client.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Single(_receiver.AcceptedPoints());
        Assert.Equal(new VigilClientStats { Sent = 1, FailedAttempts = 1 }, harness.Client.Stats);
    }

    [Fact]
    public async Task Sender_FlushIntervalElapses_SendsPartialBatch()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.FlushInterval = TimeSpan.FromSeconds(2));
        await harness.StartSenderAsync();
        await harness.Time.WaitForTimerAsync(TimeSpan.FromSeconds(2));
        harness.Client.Increment("orders_total");
        harness.Client.Increment("orders_total");
        harness.Client.Increment("orders_total");
        Assert.Empty(_receiver.Requests);

        harness.Time.Advance(TimeSpan.FromSeconds(2));

        var requests = await _receiver.WaitForRequestsAsync(1);
        Assert.Equal(3, Assert.Single(requests).Json.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task Sender_FullBatchBuffered_SendsWithoutWaitingForTheInterval()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o =>
        {
            o.BatchSize = 10;
            o.FlushInterval = TimeSpan.FromMinutes(1);
        });
        await harness.StartSenderAsync();
        await harness.Time.WaitForTimerAsync(TimeSpan.FromMinutes(1));

        for (int i = 0; i < 10; i++)
        {
            harness.Client.Increment("orders_total");
        }

        // The clock does not move: only the full batch can have triggered the send.
        var requests = await _receiver.WaitForRequestsAsync(1);
        Assert.Equal(10, requests[0].Json.GetProperty("points").GetArrayLength());
    }

    [Fact]
    public async Task Sender_ReceiverFailingThenRecovers_DeliversEverythingRecorded()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.FlushInterval = TimeSpan.FromMinutes(1));
        _receiver.FailNext(2);
        await harness.StartSenderAsync();
        await harness.Time.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 4; i++)
        {
            harness.Client.Gauge("queue_length", i);
        }

        harness.Time.Advance(TimeSpan.FromMinutes(1));
        harness.Time.Advance(await harness.Time.WaitForTimerAsync(IsRetryWait));
        harness.Time.Advance(await harness.Time.WaitForTimerAsync(IsRetryWait));
        await _receiver.WaitForRequestsAsync(3);
        await harness.Client.FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal([0.0, 1, 2, 3], _receiver.AcceptedPoints().Select(p => p.GetProperty("value").GetDouble()));
        Assert.Equal(new VigilClientStats { Sent = 4, FailedAttempts = 2 }, harness.Client.Stats);
    }

    [Fact]
    public async Task StopAsync_ItemsBuffered_FlushesThemBeforeReturning()
    {
        await using var harness = ClientHarness.Create(_receiver.Endpoint, o => o.FlushInterval = TimeSpan.FromMinutes(1));
        await harness.StartSenderAsync();
        await harness.Time.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 7; i++)
        {
            harness.Client.Increment("orders_total");
        }

        harness.Client.RecordJobExecution("content-generation", true, 5);

        await harness.StopSenderAsync().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(7, _receiver.AcceptedPoints().Count);
        Assert.Single(_receiver.AcceptedExecutions());
        Assert.Equal(new VigilClientStats { Sent = 8 }, harness.Client.Stats);
    }

    [Fact]
    public async Task StopAsync_ReceiverDown_GivesUpAfterShutdownTimeoutAndCountsDropped()
    {
        await using var down = FakeVigilReceiver.CreateDown();
        await using var harness = ClientHarness.Create(down.Endpoint, o =>
        {
            o.FlushInterval = TimeSpan.FromMinutes(1);
            o.ShutdownTimeout = TimeSpan.FromSeconds(4);
        });
        await harness.StartSenderAsync();
        await harness.Time.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        for (int i = 0; i < 4; i++)
        {
            harness.Client.Increment("orders_total");
        }

        var stop = harness.StopSenderAsync();
        await harness.Time.WaitForTimerAsync(TimeSpan.FromSeconds(4));
        await harness.Time.WaitForTimerAsync(IsRetryWait);
        Assert.False(stop.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(4));

        await stop.WaitAsync(TimeSpan.FromSeconds(15));
        var stats = harness.Client.Stats;
        Assert.Equal(4, stats.Dropped);
        Assert.Equal(0, stats.Sent);
        Assert.Equal(0, stats.Buffered);
        Assert.InRange(stats.FailedAttempts, 1, 2);
        Assert.Contains(harness.Logs.Entries, e => e.EventId.Name == "AbandonedAtShutdown" && e.Message.StartsWith("4 buffered items", StringComparison.Ordinal));
    }

    // Retry waits are at most MaxRetryDelay (30 s by default); the per-request timeout (ClientHarness.TestRequestTimeout)
    // is longer, and tests that run the background sender give it a flush interval outside that range or wait for it first.
    private static bool IsRetryWait(TimeSpan dueTime) => dueTime > TimeSpan.Zero && dueTime <= TimeSpan.FromSeconds(30);
}
