namespace Vigil.Core.Alerts;

/// <summary>
/// The order a pass stores its changes in. A pass is stored in chunks, each committed before the
/// next, and a chunk's notifications start while the rest are written; evaluated rule by rule, a
/// storm across several rules would give the first chunks to the first rule's channels and keep
/// the others waiting. Taking one change of each rule in turn lets every rule's first
/// notifications go out with the first chunk. Within a rule the order is kept.
/// </summary>
public static class SaveOrder
{
    /// <summary>The changes one rule at a time, round robin, each rule's in their own order.</summary>
    public static List<LifecycleResult> RoundRobinByRule(IReadOnlyList<LifecycleResult> changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        var byRule = new List<Queue<LifecycleResult>>();
        var index = new Dictionary<string, Queue<LifecycleResult>>(StringComparer.Ordinal);
        foreach (var result in changed)
        {
            var rule = result.Alert?.RuleId ?? "";
            if (!index.TryGetValue(rule, out var queue))
            {
                queue = new Queue<LifecycleResult>();
                index[rule] = queue;
                byRule.Add(queue);
            }

            queue.Enqueue(result);
        }

        if (byRule.Count <= 1)
        {
            return [.. changed];
        }

        var ordered = new List<LifecycleResult>(changed.Count);
        while (ordered.Count < changed.Count)
        {
            foreach (var queue in byRule)
            {
                if (queue.TryDequeue(out var next))
                {
                    ordered.Add(next);
                }
            }
        }

        return ordered;
    }
}
