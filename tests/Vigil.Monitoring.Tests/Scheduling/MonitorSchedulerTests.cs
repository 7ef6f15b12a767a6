using Vigil.Core.Metrics;
using Vigil.Monitoring.Scheduling;
using Vigil.Monitoring.Tests.Infrastructure;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Tests.Scheduling;

/// <summary>The scheduler on a fake clock: intervals, retries before down, heartbeats, maintenance, uptime and series.</summary>
public sealed class MonitorSchedulerTests : IAsyncLifetime
{
    private MonitoringHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await MonitoringHarness.CreateAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task FailingTarget_WithOneRetry_PendingThenDownThenUpAgain()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.FailNext(2, 503);
        var first = _harness.NextChecksAsync("m1");
        await _harness.AddAsync($$"""{"name":"api","url":"{{target.Url()}}","intervalSeconds":30,"retries":1,"retryIntervalSeconds":5}""");
        await _harness.StartAsync();

        var pending = Assert.Single(await first);
        Assert.Equal(("pending", null), (pending.State.Status, pending.Alert));
        Assert.Empty(_harness.Alerts.Reports);

        var retry = _harness.NextChecksAsync("m1");
        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        var down = Assert.Single(await retry);
        Assert.Equal("down", down.State.Status);
        var raised = Assert.Single(_harness.Alerts.Reports);
        Assert.True(raised.Down);
        Assert.Equal("api (" + target.Url() + ") is down: HTTP 503 Service Unavailable (expected 200-299)", raised.Reason);

        // The next check comes one interval after the retry was due.
        var recovery = _harness.NextChecksAsync("m1");
        _harness.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(recovery.IsCompleted);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var up = Assert.Single(await recovery);
        Assert.Equal("up", up.State.Status);
        Assert.False(_harness.Alerts.Reports[^1].Down);
        Assert.Equal(3, target.Requests.Count);

        var checks = await _harness.Repository.ChecksAsync("m1", null, 10);
        Assert.Equal(["up", "down", "pending"], checks.Select(c => c.Status));
        var series = _harness.Metrics.Find(MonitorMetrics.UpMetric, Vigil.Monitoring.Alerts.MonitorAlertReport.GroupOf("m1", "api", Vigil.Monitoring.Definitions.MonitorType.Http));
        Assert.NotNull(series);
    }

    [Fact]
    public async Task Heartbeat_LateByMoreThanGrace_DownUntilTheNextCheckIn()
    {
        var token = "tok-" + Guid.NewGuid().ToString("N");
        await _harness.AddAsync("""{"name":"nightly","type":"heartbeat","intervalSeconds":60,"graceSeconds":30}""", "hb", token);
        await _harness.StartAsync();
        await _harness.Repository.RecordPingAsync("hb", _harness.Time.GetUtcNow().ToUnixTimeMilliseconds());
        var pinged = _harness.NextChecksAsync("hb");
        await _harness.Scheduler.PingedAsync("hb", _harness.Time.GetUtcNow());
        Assert.Equal("up", Assert.Single(await pinged).State.Status);

        var late = _harness.NextChecksAsync("hb");
        _harness.Time.Advance(TimeSpan.FromSeconds(89));
        Assert.False(late.IsCompleted);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        var down = Assert.Single(await late);
        Assert.Equal("down", down.State.Status);
        Assert.StartsWith("No check-in since 2026-11-23T12:00:00Z (expected every 60 s, 30 s grace)", down.State.LastError, StringComparison.Ordinal);
        Assert.True(Assert.Single(_harness.Alerts.Reports).Down);

        var back = _harness.NextChecksAsync("hb");
        _harness.Time.Advance(TimeSpan.FromSeconds(10));
        await _harness.Scheduler.PingedAsync("hb", _harness.Time.GetUtcNow());
        Assert.Equal("up", Assert.Single(await back).State.Status);
        Assert.False(_harness.Alerts.Reports[^1].Down);
    }

    [Fact]
    public async Task MaintenanceWindow_FailuresNeitherDownNorCounted()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.FailNext(4, 500);
        var now = _harness.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await _harness.AddAsync($$"""{"name":"api","url":"{{target.Url()}}","intervalSeconds":10}""");
        await _harness.Repository.SaveMaintenanceAsync(new StoredMaintenance("w1", "deploy", null, now - 1000, now + 25_000, now));
        var during = new List<MonitorTransition>();
        var next = _harness.NextChecksAsync("m1");
        await _harness.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            during.Add(Assert.Single(await next));
            next = _harness.NextChecksAsync("m1");
            if (i < 2)
            {
                _harness.Time.Advance(TimeSpan.FromSeconds(10));
            }
        }

        Assert.All(during, t => Assert.Equal(("pending", true), (t.State.Status, t.Check.Maintenance)));
        Assert.Empty(_harness.Alerts.Reports);

        // Past the window's end: the check at +30 s fails outside it, down at once (no retries).
        _harness.Time.Advance(TimeSpan.FromSeconds(10));
        var after = Assert.Single(await next);
        Assert.Equal(("down", false), (after.State.Status, after.Check.Maintenance));
        Assert.True(Assert.Single(_harness.Alerts.Reports).Down);

        var uptime = (await _harness.Repository.UptimeAsync([now - 86_400_000]))["m1"][0];
        Assert.Equal((1, 1), (uptime.Checks, uptime.Down));
    }

    [Fact]
    public async Task Uptime_CountsDownChecksOverThePeriods()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.Enqueue(new ScriptedAnswer(200));
        target.FailNext(1, 500);
        var next = _harness.NextChecksAsync("m1");
        await _harness.AddAsync($$"""{"name":"api","url":"{{target.Url()}}","intervalSeconds":10}""");
        await _harness.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await next;
            next = _harness.NextChecksAsync("m1");
            _harness.Time.Advance(TimeSpan.FromSeconds(10));
        }

        await next;
        var catalog = new MonitorCatalog(_harness.Repository, _harness.Time);
        var view = (await catalog.GetAsync("m1"))!;

        Assert.Equal(4, view.Uptime["24h"].Checks);
        Assert.Equal(1, view.Uptime["24h"].Down);
        Assert.Equal(75, view.Uptime["24h"].Percent);
        Assert.Equal(view.Uptime["24h"], view.Uptime["30d"]);
        Assert.Equal(["up", "up", "down", "up"], view.RecentChecks.Select(c => c.Status));
        Assert.Equal("up", view.Stored.State.Status);
        Assert.NotNull(_harness.Metrics.Find(MonitorMetrics.StartDelayMetric, LabelSet.Empty));
    }

    [Fact]
    public async Task CheckStartedLate_RecordsHowLateInTheStartDelaySeries()
    {
        await using var target = await WebhookReceiver.StartAsync();
        var first = _harness.NextChecksAsync("m1");
        await _harness.AddAsync($$"""{"name":"api","url":"{{target.Url()}}","intervalSeconds":10}""");
        await _harness.StartAsync();
        await first;
        var delay = _harness.Metrics.Find(MonitorMetrics.StartDelayMetric, LabelSet.Empty)!;
        Assert.Equal((1L, 0.0), (delay.TotalCount, delay.LastValue));

        // The clock jumps past the next due time (a stalled process): the check starts 3 s late.
        var late = _harness.NextChecksAsync("m1");
        _harness.Time.Advance(TimeSpan.FromSeconds(13));
        await late;

        Assert.Equal((2L, 3000.0), (delay.TotalCount, delay.LastValue));
    }

    [Fact]
    public async Task DeletedMonitor_ReconcileLeavesNoDownMonitor()
    {
        await using var target = await WebhookReceiver.StartAsync();
        target.FailNext(1, 500);
        var first = _harness.NextChecksAsync("m1");
        await _harness.AddAsync($$"""{"name":"api","url":"{{target.Url()}}","intervalSeconds":10}""");
        await _harness.StartAsync();
        Assert.Equal("down", Assert.Single(await first).State.Status);

        var reloaded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _harness.Scheduler.Reloaded += () => reloaded.TrySetResult();
        Assert.True(await _harness.Repository.DeleteAsync("m1"));
        _harness.Scheduler.RequestReload();
        await reloaded.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Empty(_harness.Alerts.LastReconciled!);
    }
}
