namespace Vigil.Core.Alerts;

/// <summary>What one step of the lifecycle changed: the alert (new or updated), its transitions and the notifications to send.</summary>
public sealed class LifecycleResult
{
    /// <summary>The alert after the step, or null when there is none (the condition does not hold and none was open).</summary>
    public AlertInstance? Alert { get; internal set; }

    /// <summary>Whether the alert was created by this step.</summary>
    public bool Created { get; internal set; }

    /// <summary>State changes, in order.</summary>
    public List<AlertTransition> Transitions { get; } = [];

    /// <summary>Notifications to deliver.</summary>
    public List<NotificationIntent> Intents { get; } = [];

    /// <summary>Whether anything must be stored.</summary>
    public bool Changed => Created || Transitions.Count > 0 || Intents.Count > 0;
}
