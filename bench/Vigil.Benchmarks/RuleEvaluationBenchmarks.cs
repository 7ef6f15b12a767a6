using BenchmarkDotNet.Attributes;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Benchmarks;

/// <summary>
/// One evaluation pass of 10 000 rules over 100 000 series (SPEC §5: ≤ 250 ms), on the
/// workload of <see cref="EvaluationWorkload"/>: the pure evaluation
/// (<see cref="RuleEvaluator.Evaluate"/> for every rule), the lifecycle step for every
/// outcome with no open alert, and the per-outcome work <c>AlertEngine.RunOnceAsync</c> does
/// around it. Baseline: the same rules over a raw-points store (<see cref="NaiveRuleEvaluator"/>).
/// </summary>
[MemoryDiagnoser]
public class RuleEvaluationBenchmarks
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(EvaluationWorkload.NowMs);
    private readonly RuleEvaluator _evaluator = new();
    private MetricStore _store = null!;
    private NaiveRuleEvaluator _naive = null!;
    private List<AlertRule> _rules = [];
    private List<(AlertRule Rule, GroupEvaluation Outcome)> _outcomes = [];

    /// <summary>
    /// Services as five metric names each, or as a label on five shared metrics. Env
    /// <c>VIGIL_BENCH_SHAPES</c> (comma-separated) picks some: a ServiceLabel pass takes minutes.
    /// </summary>
    [ParamsSource(nameof(Shapes))]
    public ServiceShape Shape { get; set; }

    public static IEnumerable<ServiceShape> Shapes =>
        Environment.GetEnvironmentVariable("VIGIL_BENCH_SHAPES") is { Length: > 0 } shapes
            ? shapes.Split(',').Select(Enum.Parse<ServiceShape>)
            : [ServiceShape.MetricPerService, ServiceShape.ServiceLabel];

    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive()
    {
        _rules = EvaluationWorkload.Rules(Shape);
        _naive = NaiveRuleEvaluator.Build(Shape, out _);
    }

    [GlobalSetup(Targets = [nameof(Evaluate), nameof(Lifecycle), nameof(EngineStep)])]
    public void Setup()
    {
        _rules = EvaluationWorkload.Rules(Shape);
        (_store, _) = EvaluationWorkload.BuildStore(Shape);
        _outcomes = [];
        foreach (var rule in _rules)
        {
            foreach (var outcome in _evaluator.Evaluate(rule, _store, EvaluationWorkload.NowMs))
            {
                _outcomes.Add((rule, outcome));
            }
        }
    }

    [Benchmark(Baseline = true, Description = "naive: raw points, copy + sort per group")]
    public int Naive()
    {
        var groups = 0;
        foreach (var rule in _rules)
        {
            groups += _naive.Evaluate(rule, EvaluationWorkload.NowMs).Count;
        }

        return groups;
    }

    [Benchmark(Description = "RuleEvaluator.Evaluate, all rules")]
    public int Evaluate()
    {
        var groups = 0;
        foreach (var rule in _rules)
        {
            groups += _evaluator.Evaluate(rule, _store, EvaluationWorkload.NowMs).Count;
        }

        return groups;
    }

    [Benchmark(Description = "AlertLifecycle.Evaluate, every outcome, no open alerts")]
    public int Lifecycle()
    {
        var created = 0;
        foreach (var (rule, outcome) in _outcomes)
        {
            if (AlertLifecycle.Evaluate(rule, null, outcome, Now, null, silenced: false, NewId).Created)
            {
                created++;
            }
        }

        return created;
    }

    private readonly Dictionary<string, AlertInstance> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastNotified = new(StringComparer.Ordinal);

    /// <summary>What AlertEngine.RunOnceAsync does per outcome besides the lifecycle: fingerprint, the evaluated set, open-alert and cooldown lookups (no silences).</summary>
    [Benchmark(Description = "engine per-outcome step: fingerprint + lookups + lifecycle")]
    public int EngineStep()
    {
        var created = 0;
        var evaluated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rule, outcome) in _outcomes)
        {
            var fingerprint = AlertInstance.FingerprintOf(rule.Id, outcome.Group);
            evaluated.Add(fingerprint);
            var open = _open.GetValueOrDefault(fingerprint);
            var result = AlertLifecycle.Evaluate(rule, open, outcome, Now, _lastNotified.GetValueOrDefault(fingerprint), silenced: false, NewId);
            if (result.Created)
            {
                created++;
            }
        }

        return created;
    }

    private static string NewId() => Guid.CreateVersion7(Now).ToString("N");
}
