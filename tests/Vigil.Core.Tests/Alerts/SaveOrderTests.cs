using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class SaveOrderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RoundRobinByRule_RulesEvaluatedOneAfterAnother_TakesOneOfEachInTurnKeepingEachRulesOrder()
    {
        List<LifecycleResult> changed = [Opened("a", 1), Opened("a", 2), Opened("a", 3), Opened("b", 1), Opened("c", 1), Opened("c", 2)];

        var ordered = SaveOrder.RoundRobinByRule(changed);

        Assert.Equal(["a1", "b1", "c1", "a2", "c2", "a3"], ordered.Select(r => r.Alert!.Id));
    }

    [Fact]
    public void RoundRobinByRule_OneRule_KeepsTheOrder()
    {
        List<LifecycleResult> changed = [Opened("a", 2), Opened("a", 1)];

        Assert.Equal(["a2", "a1"], SaveOrder.RoundRobinByRule(changed).Select(r => r.Alert!.Id));
        Assert.Empty(SaveOrder.RoundRobinByRule([]));
    }

    private static LifecycleResult Opened(string rule, int n)
    {
        var alertRule = new AlertRule { Id = rule, Name = rule, Metric = "m", Threshold = 1 };
        var outcome = new GroupEvaluation(LabelSet.From([new KeyValuePair<string, string>("id", n.ToString(System.Globalization.CultureInfo.InvariantCulture))]), ConditionState.Met, 5, 1, 1, false);
        return AlertLifecycle.Evaluate(alertRule, null, outcome, T0, null, false, () => rule + n);
    }
}
