using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications.Destinations;

/// <summary>
/// Keeps notifications away from the server's own network (SSRF): a destination must be
/// <c>http</c>/<c>https</c> (or an SMTP host) whose addresses are all public, unless
/// <see cref="DeliveryOptions.AllowPrivateNetworks"/> is on or the host is in
/// <see cref="DeliveryOptions.AllowedHosts"/>. <see cref="CheckAsync"/> runs when a channel is saved;
/// the same rule runs again on the resolved address of every connection the senders open, and the
/// connection goes to the very address that was checked, so DNS rebinding cannot get around it.
/// </summary>
public sealed class DestinationGuard
{
    private readonly IOptionsMonitor<DeliveryOptions> _options;

    internal DestinationGuard(IOptionsMonitor<DeliveryOptions> options)
    {
        _options = options;
    }

    /// <summary>Gets or sets how host names are resolved (tests replace it); defaults to the system resolver.</summary>
    internal Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; set; } = Dns.GetHostAddressesAsync;

    /// <summary>
    /// Checks the destinations of a channel when it is saved, resolving host names: the problems name
    /// the field (<c>config.url</c>, <c>config.webhookUrl</c>, <c>config.host</c>). A host that resolves to
    /// any address the rule refuses is refused; a host that does not resolve (yet) is accepted, as the
    /// check runs again on every connection. Structural problems are <see cref="ChannelValidator"/>'s;
    /// a field it would refuse is skipped here.
    /// </summary>
    /// <param name="channel">The channel to check.</param>
    /// <param name="cancellationToken">Stops the name resolution.</param>
    /// <returns>The problems, empty when every destination may be reached.</returns>
    public async Task<IReadOnlyList<ChannelProblem>> CheckAsync(ChannelDefinition channel, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(channel);
        (string Field, string Host)? target = channel.Config switch
        {
            WebhookChannelConfig c when TryHttpHost(c.Url, out var host) => ("config.url", host),
            ChatChannelConfig c when TryHttpHost(c.WebhookUrl, out var host) => ("config.webhookUrl", host),
            EmailChannelConfig c when !string.IsNullOrWhiteSpace(c.Host) => ("config.host", c.Host),
            _ => null,
        };
        if (target is not { } t)
        {
            return [];
        }

        string? refusal = await CheckHostAsync(t.Host, cancellationToken).ConfigureAwait(false);
        return refusal is null ? [] : [new ChannelProblem(t.Field, refusal)];
    }

    /// <summary>Whether the host may be reached whatever it resolves to.</summary>
    internal bool IsExempt(string host)
    {
        var options = _options.CurrentValue;
        if (options.AllowPrivateNetworks)
        {
            return true;
        }

        string bare = host.Trim('[', ']').TrimEnd('.');
        foreach (string allowed in options.AllowedHosts)
        {
            if (string.Equals(allowed.Trim('[', ']').TrimEnd('.'), bare, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Why the host may not be reached, or <see langword="null"/> when it may (a host that does not
    /// resolve yet may: every connection is checked again). Uptime monitors check their targets with it.
    /// </summary>
    /// <param name="host">A host name or IP address.</param>
    /// <param name="cancellationToken">Stops the name resolution.</param>
    public async Task<string?> CheckHostAsync(string host, CancellationToken cancellationToken)
    {
        if (IsExempt(host))
        {
            return null;
        }

        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
            // Nothing to refuse yet (offline, or not created yet): every connection is checked when it is opened.
            return null;
        }

        foreach (var address in addresses)
        {
            var kind = AddressClassifier.Classify(address);
            if (kind != AddressClass.Public)
            {
                return Refusal(host, address, kind);
            }
        }

        return null;
    }

    /// <summary>
    /// Opens a TCP connection to <paramref name="host"/>: resolves it, keeps the addresses the rule
    /// allows and connects to one of them. Throws an <see cref="IOException"/> (a refusal) when none is allowed.
    /// </summary>
    /// <param name="host">A host name or IP address.</param>
    /// <param name="port">The TCP port.</param>
    /// <param name="cancellationToken">Stops the resolution and the connection.</param>
    public async Task<Socket> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        bool exempt = IsExempt(host);
        IPAddress[] addresses = await ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        var permitted = new List<IPAddress>(addresses.Length);
        string? refusal = null;
        foreach (var address in addresses)
        {
            var kind = AddressClassifier.Classify(address);
            if (exempt || kind == AddressClass.Public)
            {
                permitted.Add(address);
            }
            else
            {
                refusal ??= Refusal(host, address, kind);
            }
        }

        if (permitted.Count == 0)
        {
            throw new DestinationRefusedException(refusal ?? $"The host '{host}' does not resolve.");
        }

        SocketException? last = null;
        foreach (var address in permitted)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                last = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }

    /// <summary>The <see cref="SocketsHttpHandler.ConnectCallback"/> of every outbound HTTP client (notification senders, uptime monitors).</summary>
    /// <param name="context">The connection to open.</param>
    /// <param name="cancellationToken">Stops the connection.</param>
    public async ValueTask<Stream> ConnectHttpAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = await ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
        return new NetworkStream(socket, ownsSocket: true);
    }

    private static bool TryHttpHost(string? url, out string host)
    {
        host = "";
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0)
        {
            host = uri.Host;
            return true;
        }

        return false;
    }

    private static string Refusal(string host, IPAddress address, AddressClass kind)
    {
        string what = host.Trim('[', ']') == address.ToString()
            ? $"The address '{address}' is {AddressClassifier.Describe(kind)}"
            : $"The host '{host}' resolves to {address}, {AddressClassifier.Describe(kind)}";
        return what + "; private networks are not reachable unless Vigil:Delivery:AllowPrivateNetworks is true or the host is in Vigil:Delivery:AllowedHosts.";
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        string bare = host.Trim('[', ']');
        if (IPAddress.TryParse(bare, out var literal))
        {
            return [literal];
        }

        return await Resolve(bare, cancellationToken).ConfigureAwait(false);
    }
}
