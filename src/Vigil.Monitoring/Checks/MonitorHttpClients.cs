using System.Collections.Concurrent;
using System.Net.Security;
using Vigil.Notifications.Destinations;

namespace Vigil.Monitoring.Checks;

/// <summary>
/// The HTTP clients of HTTP monitors: one per combination of "follow redirects" and "ignore TLS
/// errors", every connection opened through the <see cref="DestinationGuard"/> (so a redirect or a
/// DNS answer cannot lead a monitor into the private network), no proxy, no cookies, no pooling
/// across checks (each check sends <c>Connection: close</c>, so it measures a whole exchange and
/// sees the certificate the server presents now). The certificate each TLS handshake sees is
/// noted by host name for the expiry warning.
/// </summary>
internal sealed class MonitorHttpClients : IDisposable
{
    private readonly HttpClient[] _clients = new HttpClient[4];
    private readonly ConcurrentDictionary<string, DateTimeOffset> _certificates = new(StringComparer.OrdinalIgnoreCase);

    public MonitorHttpClients(DestinationGuard guard)
    {
        ArgumentNullException.ThrowIfNull(guard);
        for (var i = 0; i < _clients.Length; i++)
        {
            var follow = (i & 1) != 0;
            var lenient = (i & 2) != 0;
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = guard.ConnectHttpAsync,
                AllowAutoRedirect = follow,
                MaxAutomaticRedirections = 5,
                UseProxy = false,
                UseCookies = false,
                PooledConnectionLifetime = TimeSpan.FromSeconds(30),
                ActivityHeadersPropagator = null,
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (sender, certificate, _, errors) =>
                    {
                        if (sender is SslStream stream && certificate is not null)
                        {
                            _certificates[stream.TargetHostName] = new DateTimeOffset(certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 c2
                                ? c2.NotAfter.ToUniversalTime()
                                : DateTime.Parse(certificate.GetExpirationDateString(), System.Globalization.CultureInfo.CurrentCulture).ToUniversalTime());
                        }

                        return lenient || errors == SslPolicyErrors.None;
                    },
                },
            };
            _clients[i] = new HttpClient(handler) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }
    }

    /// <summary>The client for a monitor's settings.</summary>
    public HttpClient For(bool followRedirects, bool ignoreTlsErrors) => _clients[(followRedirects ? 1 : 0) | (ignoreTlsErrors ? 2 : 0)];

    /// <summary>When the certificate last seen for <paramref name="host"/> expires, if one was seen.</summary>
    public DateTimeOffset? CertificateExpiry(string host) => _certificates.TryGetValue(host, out var at) ? at : null;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}
