using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Alerts;

/// <summary>Alert evaluation settings (configuration section <c>Vigil:Alerts</c>).</summary>
public sealed class AlertOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Alerts";

    /// <summary>How often every rule is evaluated; new data is judged within one tick.</summary>
    /// <value>1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after points arrive their rules are evaluated (between the full passes), so
    /// a burst of ingest calls is judged in one partial pass; 0 evaluates at once.
    /// </summary>
    /// <value>20 milliseconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10")]
    public TimeSpan EvaluationDebounce { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Whether this process evaluates rules on its timer (and watches that evaluation). Turn it
    /// off on processes that should only ingest and serve the API.
    /// </summary>
    /// <value>true.</value>
    public bool EvaluationEnabled { get; set; } = true;
}
