using System.Globalization;
using System.Net;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Core.Metrics;
using Vigil.Server.Queries;
using Vigil.Storage;

namespace Vigil.Server.Tests.Queries;

/// <summary>
/// <c>GET /api/v1/series</c> stops between series once its query has timed out or its client has
/// gone away, through the real server: the query runs past the gate and is held inside the read
/// of one series (the test holds that series' lock), the clock passes the timeout or the client
/// disconnects, the series is let go — and the query ends (503 naming the timeout, or its slot
/// freed and the client-gone log) while the test still holds the next series.
/// The range queried lies inside the in-memory window (<see cref="InMemoryQuery"/>): a range
/// reaching back before it would read stored rollups first, and those reads take the cancelled
/// token and stop the query before it reaches any series, so the tests would pass without the
/// per-series check. Here nothing between the gate and the loop looks at the token: only the
/// check before each series stops the query, and without it the query waits on the held next
/// series and never answers (checked by disabling it).
/// </summary>
public abstract class SeriesCancellationTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task GetSeries_TimeoutPassesWhileReadingASeries_503NamingTheTimeout_NextSeriesNeverRead()
    {
        var settings = VigilApp.ManualPasses();
        settings["Vigil:Queries:Timeout"] = "00:00:05"; // shorter than the rollup flusher's 10 s, which reads every series
        await using var app = StartApp(settings: settings).CaptureLogs();
        var client = app.Admin();
        var (first, second) = await TwoLaterSeriesAsync(client, app);
        var gate = app.Services.GetRequiredService<QueryGate>();
        using var held = SeriesLocks.Hold(first, second);

        var pending = client.GetAsync(InMemoryQuery(app));
        await UntilAsync(() => gate.Running == 1);
        // Off the test's thread: the clock runs what falls due inline, and none of it may wait on the held series.
        await Task.Run(() => app.Time.Advance(TimeSpan.FromSeconds(5))).WaitAsync(Patience);
        held.Release(first);
        var response = await pending.WaitAsync(Patience);

        Assert.True(held.IsHolding(second));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Vigil:Queries:Timeout", (await response.ReadAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains(app.Logs!.Lines, l => l.EventId.Id == 3202);
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task GetSeries_ClientGoesAwayWhileReadingASeries_QueryStops_NextSeriesNeverRead()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses()).CaptureLogs();
        var client = app.Admin();
        var (first, second) = await TwoLaterSeriesAsync(client, app);
        var gate = app.Services.GetRequiredService<QueryGate>();
        using var held = SeriesLocks.Hold(first, second);
        using var disconnect = new CancellationTokenSource();

        var pending = client.GetAsync(InMemoryQuery(app), disconnect.Token);
        await UntilAsync(() => gate.Running == 1);
        await disconnect.CancelAsync();
        held.Release(first);
        await UntilAsync(() => gate.Running == 0);

        Assert.True(held.IsHolding(second));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Patience));
        await UntilAsync(() => app.Logs!.Lines.Any(l => l.EventId.Id == 3203));
        Assert.DoesNotContain(app.Logs!.Lines, l => l.EventId.Id == 3202);

        held.Release(second);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/series?metric=load")).StatusCode);
    }

    /// <summary>
    /// The last 10 minutes of <c>load</c> in 10 s steps: all of it after the in-memory horizon
    /// (<c>Vigil:Metrics:InMemoryRetention</c>, an hour), so the query reads no stored rollups.
    /// </summary>
    private static string InMemoryQuery(VigilApp app) =>
        "/api/v1/series?metric=load&agg=max&step=10s&from=" + app.Time.GetUtcNow().AddMinutes(-10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>Records one gauge series per host (h0, h1, h2) and returns h1 and h2: the query reads them in that order, after h0.</summary>
    private static async Task<(MetricSeries First, MetricSeries Second)> TwoLaterSeriesAsync(HttpClient client, VigilApp app)
    {
        var at = Json.Iso(app.Time.GetUtcNow().AddSeconds(-5));
        var points = string.Join(',', Enumerable.Range(0, 3).Select(i => string.Create(
            CultureInfo.InvariantCulture, $$"""{"name":"load","type":"gauge","value":{{i}},"labels":{"host":"h{{i}}"},"timestamp":"{{at}}"}""")));
        (await client.PostJsonAsync("/api/v1/metrics", $$"""{"points":[{{points}}]}""")).EnsureSuccessStatusCode();
        var series = app.Services.GetRequiredService<MetricStore>().Family("load")!.Series.ToDictionary(s => s.Labels["host"]!);
        return (series["h1"], series["h2"]);
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (!condition())
        {
            // Polls a condition of the server (its query slots, its log), on the real clock.
            await Task.Delay(TimeSpan.FromMilliseconds(5), timeout.Token);
        }
    }

    /// <summary>
    /// Holds the locks of some series on a thread of its own (a monitor is released by the thread
    /// that took it), so a query that reaches one of them waits there until it is released. The
    /// lock is the series' own (its open buckets, see <see cref="MetricSeries"/>): the one every
    /// read and write of the series takes.
    /// </summary>
    private sealed class SeriesLocks : IDisposable
    {
        private static readonly FieldInfo LockField = typeof(MetricSeries).GetField("_open", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("MetricSeries no longer locks on _open: update this test to the series' lock.");

        private readonly Dictionary<MetricSeries, SemaphoreSlim> _releases = [];
        private readonly HashSet<MetricSeries> _held = [];
        private readonly Thread _thread;

        private SeriesLocks(MetricSeries[] series)
        {
            foreach (var s in series)
            {
                _releases[s] = new SemaphoreSlim(0);
            }

            using var taken = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                foreach (var s in series)
                {
                    Monitor.Enter(LockField.GetValue(s)!);
                    lock (_held)
                    {
                        _held.Add(s);
                    }
                }

                taken.Set();
                foreach (var s in series)
                {
                    _releases[s].Wait();
                    lock (_held)
                    {
                        _held.Remove(s);
                    }

                    Monitor.Exit(LockField.GetValue(s)!);
                }
            }) { IsBackground = true, Name = "series-locks" };
            _thread.Start();
            taken.Wait(Patience);
        }

        public static SeriesLocks Hold(params MetricSeries[] series) => new(series);

        public bool IsHolding(MetricSeries series)
        {
            lock (_held)
            {
                return _held.Contains(series);
            }
        }

        /// <summary>Lets go of one series (in the order they were held).</summary>
        public void Release(MetricSeries series) => _releases[series].Release();

        public void Dispose()
        {
            foreach (var (series, release) in _releases)
            {
                if (IsHolding(series))
                {
                    release.Release();
                }
            }

            _thread.Join(Patience);
            foreach (var release in _releases.Values)
            {
                release.Dispose();
            }
        }
    }
}

public sealed class SqliteSeriesCancellationTests() : SeriesCancellationTests(StorageProvider.Sqlite);

public sealed class PostgresSeriesCancellationTests() : SeriesCancellationTests(StorageProvider.Postgres);
