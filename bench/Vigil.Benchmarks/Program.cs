using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Vigil.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project bench/Vigil.Benchmarks -- --filter '*Recording*'</c> runs
/// BenchmarkDotNet; <c>-- accuracy</c> and <c>-- memory</c> print the sketch accuracy and the
/// per-series memory reports as markdown tables; <c>-- evalprofile [MetricPerService|ServiceLabel] [passes] [--loop] [--rules N] [--advance MS]</c>
/// times the phases of a rule-evaluation pass (<see cref="EvaluationProfile"/>); <c>-- queue</c> the
/// job queue's throughput against Hangfire (see <see cref="QueueReport"/>); <c>-- regressions [n] [step ...]</c> scores
/// the regression detector on a synthetic corpus (see <see cref="RegressionReport"/>); <c>-- analysis [operations] [days] [sqlite|postgres|all] [points/s]</c>
/// times the performance analysis' scheduled run at scale and ingest beside it (see <see cref="AnalysisReport"/>); <c>-- cache [loads] [editEvery]</c>
/// the rule-list reads' hit rate and latency with and without the read cache (see <see cref="CacheReport"/>).
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        switch (args)
        {
            case ["accuracy", ..]:
                AccuracyReport.Run(Console.Out);
                return 0;
            case ["memory", ..]:
                MemoryReport.Run(Console.Out);
                return 0;
            case ["evalprofile", .. var rest]:
                var shape = rest is [var name, ..] ? Enum.Parse<ServiceShape>(name) : ServiceShape.MetricPerService;
                var passes = rest is [_, var count, ..] && int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 5;
                var at = Array.IndexOf(rest, "--rules");
                var advance = Array.IndexOf(rest, "--advance");
                EvaluationProfile.Run(Console.Out, shape, passes, loop: rest.Contains("--loop"), ruleLimit: at >= 0 ? int.Parse(rest[at + 1], System.Globalization.CultureInfo.InvariantCulture) : null,
                    advanceMs: advance >= 0 ? long.Parse(rest[advance + 1], System.Globalization.CultureInfo.InvariantCulture) : 0);
                return 0;
            case ["regressions", .. var cells]:
            {
                // "--minute-sigma 0.1": a level of each minute's own, moving its executions together (default none);
                // "--outliers 0.01": that share of executions 5-20 times slower, at random (default none).
                double Option(string name)
                {
                    var at = Array.IndexOf(cells, name);
                    if (at < 0)
                    {
                        return 0;
                    }

                    var value = double.Parse(cells[at + 1], System.Globalization.CultureInfo.InvariantCulture);
                    cells = [.. cells[..at], .. cells[(at + 2)..]];
                    return value;
                }

                // "--trim-average 0.05": each minute's average without its slowest 5 % (a what-if for the average measure).
                // "--oracle 12.4": beside each cell, what a detector that knows the model finds (a CUSUM with that threshold).
                var (minuteSigma, outliers, trimAverage, oracle) = (Option("--minute-sigma"), Option("--outliers"), Option("--trim-average"), Option("--oracle"));
                return RegressionReport.Run(Console.Out, cells is [var size, ..] ? int.Parse(size, System.Globalization.CultureInfo.InvariantCulture) : 100, cells.Length > 1 ? cells[1..] : [], minuteSigma, outliers, trimAverage, oracle);
            }
            case ["analysis", .. var scale]:
                return AnalysisReport.RunAsync(scale, Console.Out).GetAwaiter().GetResult();
            case ["cache", ..]:
                return CacheReport.RunAsync(args, Console.Out).GetAwaiter().GetResult();
            case ["queue", ..]:
                return QueueReport.RunAsync(args, Console.Out).GetAwaiter().GetResult();
        }

        // Keep the artifacts next to this project (bin/Release/net10.0 is three levels down), not in the caller's directory.
        var artifacts = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"));
        var config = DefaultConfig.Instance.WithArtifactsPath(artifacts);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
        return summaries.Any(summary => summary.HasCriticalValidationErrors) ? 1 : 0;
    }
}
