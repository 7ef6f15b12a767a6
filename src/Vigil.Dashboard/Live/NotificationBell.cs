using Vigil.Storage.Alerts;

namespace Vigil.Dashboard.Live;

/// <summary>The bell: how many notifications of the in-app feed are unread.</summary>
/// <param name="Unread">Unread notifications, up to <see cref="NotificationBell.Cap"/>.</param>
/// <param name="LiveIntervalMs">How often the page asks again.</param>
public sealed record BellView(int Unread, int LiveIntervalMs)
{
    /// <summary>The count as shown ("99+" past the cap).</summary>
    public string Text => Unread >= NotificationBell.Cap ? $"{NotificationBell.Cap - 1}+" : Unread.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Changes when the count does.</summary>
    public string Version => Unread.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Reads the bell's count.</summary>
public sealed class NotificationBell(AlertRepository alerts, Microsoft.Extensions.Options.IOptions<DashboardOptions> options)
{
    /// <summary>Counted up to this many.</summary>
    public const int Cap = 100;

    /// <summary>The bell as it is now.</summary>
    public async Task<BellView> LoadAsync(CancellationToken cancellationToken)
    {
        var unread = await alerts.IntentsAsync(Cap, unreadOnly: true, cancellationToken).ConfigureAwait(false);
        return new BellView(unread.Count, (int)options.Value.LiveInterval.TotalMilliseconds);
    }
}
