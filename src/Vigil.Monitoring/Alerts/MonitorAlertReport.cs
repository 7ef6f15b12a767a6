using Vigil.Core.Metrics;
using Vigil.Monitoring.Definitions;

namespace Vigil.Monitoring.Alerts;

/// <summary>A monitor's condition for the <c>system_down</c> alert: down with why, or up again.</summary>
/// <param name="MonitorId">The monitor's id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Type">Its type.</param>
/// <param name="Down">Whether it is down.</param>
/// <param name="Reason">Why it is down (its last check's error), or how it came back.</param>
public sealed record MonitorAlertReport(string MonitorId, string Name, MonitorType Type, bool Down, string Reason)
{
    /// <summary>The id of the rule whose alerts monitors raise (the default rule <c>system_down</c> of seed 000).</summary>
    public const string RuleId = "system_down";

    /// <summary>The alert's group (and the labels of the monitor's series): <c>monitor</c>, <c>monitor_id</c>, <c>type</c>.</summary>
    public LabelSet Group => GroupOf(MonitorId, Name, Type);

    /// <summary>The labels of a monitor's alert and series.</summary>
    public static LabelSet GroupOf(string monitorId, string name, MonitorType type) => LabelSet.From(
    [
        new KeyValuePair<string, string>("monitor", name),
        new KeyValuePair<string, string>("monitor_id", monitorId),
        new KeyValuePair<string, string>("type", type.ToWire()),
    ]);
}
