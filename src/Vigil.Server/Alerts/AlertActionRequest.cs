using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>The body of acknowledge and resolve.</summary>
public sealed class AlertActionRequest
{
    /// <summary>The longest note accepted, in characters.</summary>
    public const int MaxNoteLength = 2000;

    /// <summary>Why (kept in the history; at most <see cref="MaxNoteLength"/> characters).</summary>
    public string? Note { get; set; }
}
