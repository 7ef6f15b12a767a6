using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>An entry of the in-app notification feed.</summary>
/// <param name="Id">Identifier.</param>
/// <param name="AlertId">The alert.</param>
/// <param name="Kind">firing, repeat, escalated, acknowledged or resolved.</param>
/// <param name="Severity">Severity at the time.</param>
/// <param name="Channels">The channels it goes to.</param>
/// <param name="At">When.</param>
/// <param name="IdempotencyKey">Stable key of the alert and transition.</param>
/// <param name="Read">Whether it was marked read.</param>
public sealed record NotificationResponse(long Id, string AlertId, string Kind, string Severity, IReadOnlyList<string> Channels, DateTimeOffset At, string IdempotencyKey, bool Read);
