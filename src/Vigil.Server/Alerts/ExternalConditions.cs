namespace Vigil.Server.Alerts;

/// <summary>
/// The rules whose condition is judged outside the rule evaluator and reported to the engine
/// (<see cref="AlertEngine.ApplyConditionsAsync"/>): the uptime monitors' <c>system_down</c>,
/// judged by the monitors themselves (retries, heartbeat grace, maintenance windows). The
/// engine's passes skip their evaluation and keep only their timers (repeats, escalation,
/// silences ending); everything else about their alerts is the normal lifecycle.
/// </summary>
internal sealed class ExternalConditions(IEnumerable<string> ruleIds)
{
    private readonly HashSet<string> _ruleIds = new(ruleIds, StringComparer.Ordinal);

    /// <summary>Whether the rule's condition is reported from outside.</summary>
    public bool Contains(string ruleId) => _ruleIds.Contains(ruleId);
}
