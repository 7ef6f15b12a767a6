using System.Diagnostics;
using System.Globalization;
using Vigil.Storage.Caching;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>-- cache [pageLoads] [editEvery]</c>: the rule list read under a page-load loop (each load
/// reads the list as the rules page does and as the engine's tick does), with a rule edited —
/// and its tag invalidated — every <c>editEvery</c> loads; once through the read cache and once
/// with it off (<c>Vigil:Cache:Enabled=false</c>), on a SQLite file with 50 rules. Prints the hit
/// rate and the read latency of both as a markdown table.
/// </summary>
internal static class CacheReport
{
    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var loads = args is [_, var n, ..] ? int.Parse(n, CultureInfo.InvariantCulture) : 5000;
        var editEvery = args is [_, _, var e, ..] ? int.Parse(e, CultureInfo.InvariantCulture) : 100;
        output.WriteLine($"{loads} page loads, 2 rule-list reads each, a rule edited every {editEvery} loads; SQLite file, 50 rules");
        output.WriteLine();
        output.WriteLine("| cache | reads | hit rate | mean µs | p50 µs | p95 µs | p99 µs |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var enabled in new[] { false, true })
        {
            var folder = Directory.CreateTempSubdirectory("vigil-cache-report-").FullName;
            var (database, repository, cached, cache, services) = await CacheFixture.CreateAsync(folder, rules: 50, enabled);
            try
            {
                var times = new List<double>(loads * 2);
                var edits = 0;
                for (var load = 0; load < loads; load++)
                {
                    if (load > 0 && load % editEvery == 0)
                    {
                        await repository.UpdateAsync(CacheFixture.Rule("rule-0", 2000 + ++edits), TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
                        await cached.InvalidateAsync();
                    }

                    var start = Stopwatch.GetTimestamp();
                    _ = await cached.ListAsync();
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                    start = Stopwatch.GetTimestamp();
                    _ = await cached.GetRulesAsync(CancellationToken.None);
                    times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
                }

                times.Sort();
                double At(double q) => times[(int)Math.Min(times.Count - 1, Math.Ceiling(q * times.Count) - 1)];
                var stats = cache.Statistics();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(enabled ? "on" : "off")} | {times.Count} | {stats.HitRatePercent ?? 0:0.0} % | {times.Average():0.0} | {At(0.50):0.0} | {At(0.95):0.0} | {At(0.99):0.0} |"));
            }
            finally
            {
                services.Dispose();
                await database.DisposeAsync();
                Directory.Delete(folder, recursive: true);
            }
        }

        return 0;
    }
}
