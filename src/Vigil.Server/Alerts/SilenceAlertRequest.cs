using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>The body of silence.</summary>
public sealed class SilenceAlertRequest
{
    /// <summary>For how long, in minutes (1 to 10080).</summary>
    public double? DurationMinutes { get; set; }

    /// <summary>Why (kept in the history; at most <see cref="AlertActionRequest.MaxNoteLength"/> characters).</summary>
    public string? Note { get; set; }
}
