using Vigil.Core.Alerts;

namespace Vigil.Storage.Alerts;

/// <summary>
/// Where the notification intents of a lifecycle step go besides the feed: the delivery
/// pipeline enqueues its jobs here, inside the transaction that stores the step, so a crash
/// never keeps one without the other.
/// </summary>
public interface INotificationOutbox
{
    /// <summary>
    /// Enqueues the deliveries of newly stored intents in <paramref name="work"/>; they exist
    /// once it commits (register with <see cref="UnitOfWork.OnCommitted"/> what should happen then).
    /// </summary>
    Task EnqueueAsync(UnitOfWork work, IReadOnlyList<NotificationIntent> intents, CancellationToken cancellationToken);
}
