using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Metrics;
namespace Vigil.Core.Tests.Metrics;
public class ZzDebugTests
{
    [Fact]
    public void Debug()
    {
        var start = new DateTimeOffset(2025, 1, 6, 12, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var store = new MetricStore(new MetricsOptions(), time);
        var series = store.GetOrCreate("q", LabelSet.Empty, MetricType.Gauge)!;
        var log = new System.Text.StringBuilder();
        for (var i = 0; i < 720; i++)
        {
            store.Record(series, i);
            time.Advance(TimeSpan.FromSeconds(10));
            if (i % 6 == 5) { var r = series.TakeDirtyRollups(store.NowMs); if (i > 700 || i < 20) log.Append($"i={i} n={r.Count} ").Append(string.Join(",", r.Select(x => (x.MinuteStartMs - start.ToUnixTimeMilliseconds())/1000))).AppendLine(); }
        }
        var acc = new WindowAccumulator();
        series.AggregateInto(acc, 0, long.MaxValue);
        log.AppendLine($"count {acc.Count} oldest {(series.OldestBucketStart - start.ToUnixTimeMilliseconds())/1000} now {(store.NowMs- start.ToUnixTimeMilliseconds())/1000}");
        var s0 = start.ToUnixTimeMilliseconds(); series.Prune(s0 + 3_600_000 - 30_000); log.AppendLine($"after -30s: {(series.OldestBucketStart - s0)/1000}"); series.Prune(s0 + 3_600_000); log.AppendLine($"after exact: {(series.OldestBucketStart - s0)/1000}");
        acc.Reset();
        series.AggregateInto(acc, 0, long.MaxValue);
        log.AppendLine($"count {acc.Count} oldest {(series.OldestBucketStart - start.ToUnixTimeMilliseconds())/1000}");
        Assert.Fail(log.ToString());
    }
}
