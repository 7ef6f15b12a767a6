using Vigil.Core.Metrics;

namespace Vigil.Core.Alerts;

/// <summary>
/// A notification to deliver, produced with the transition that causes it (and stored in the
/// same transaction). The idempotency key is stable for the alert and transition; delivery
/// adds the channel.
/// </summary>
/// <param name="AlertId">The alert.</param>
/// <param name="Kind">What it is about.</param>
/// <param name="Severity">The alert's severity at the time.</param>
/// <param name="Channels">Where to send it.</param>
/// <param name="At">When it was produced.</param>
/// <param name="IdempotencyKey">Stable key of (alert, transition).</param>
public sealed record NotificationIntent(string AlertId, IntentKind Kind, Severity Severity, IReadOnlyList<string> Channels, DateTimeOffset At, string IdempotencyKey);
