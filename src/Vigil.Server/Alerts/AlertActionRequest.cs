using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>The body of acknowledge and resolve.</summary>
public sealed class AlertActionRequest
{
    /// <summary>Why (kept in the history).</summary>
    public string? Note { get; set; }
}
