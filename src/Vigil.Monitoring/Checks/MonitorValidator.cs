using Vigil.Monitoring.Definitions;
using Vigil.Notifications.Destinations;

namespace Vigil.Monitoring.Checks;

/// <summary>
/// Checks where a monitor's target leads, with the outbound address guard the notification
/// channels use: a target on a private, loopback or link-local address is refused unless
/// <c>Vigil:Delivery:AllowPrivateNetworks</c> is on or the host is in <c>Vigil:Delivery:AllowedHosts</c>.
/// The same rule runs again on every connection a check opens (a DNS answer that changes later,
/// or a redirect, cannot get around it).
/// </summary>
public sealed class MonitorValidator(DestinationGuard guard)
{
    /// <summary>The problems of the target, per field (<c>url</c> or <c>host</c>); empty when it may be reached.</summary>
    public async Task<IReadOnlyDictionary<string, string[]>> CheckTargetAsync(MonitorDefinition monitor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(monitor);
        (string Field, string? Host) target = monitor.Type switch
        {
            MonitorType.Http => ("url", Uri.TryCreate(monitor.Url, UriKind.Absolute, out var uri) ? uri.Host : null),
            MonitorType.Tcp => ("host", monitor.Host),
            _ => ("", null),
        };
        if (target.Host is null)
        {
            return new Dictionary<string, string[]>();
        }

        var refusal = await guard.CheckHostAsync(target.Host, cancellationToken).ConfigureAwait(false);
        return refusal is null
            ? new Dictionary<string, string[]>()
            : new Dictionary<string, string[]> { [target.Field] = [refusal] };
    }
}
