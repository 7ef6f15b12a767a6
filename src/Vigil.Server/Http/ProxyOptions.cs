using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Vigil.Server.Http;

/// <summary>
/// The reverse proxies Vigil trusts (configuration section <c>Vigil:Http:ForwardedHeaders</c>).
/// Behind a proxy every request comes from the proxy's address, so the per-address limits
/// (failed authentications, relay calls) would lump every client together. A request from a
/// known proxy has its client address (and scheme) taken from <c>X-Forwarded-For</c>
/// (<c>X-Forwarded-Proto</c>); from anyone else those headers are ignored. With neither list
/// set (the default) no header is trusted.
/// </summary>
public sealed class ProxyOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Http:ForwardedHeaders";

    /// <summary>Addresses of the proxies whose forwarded headers are trusted (e.g. <c>10.0.0.5</c>, <c>::1</c>).</summary>
    /// <value>None.</value>
    public IList<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of proxies whose forwarded headers are trusted, in CIDR notation (e.g. <c>10.0.0.0/8</c>).</summary>
    /// <value>None.</value>
    public IList<string> KnownNetworks { get; set; } = [];

    /// <summary>
    /// How many proxies in a row to read back through <c>X-Forwarded-For</c> (each must be
    /// known for the next address to be trusted).
    /// </summary>
    /// <value>1.</value>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Whether any proxy is trusted.</summary>
    internal bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>Sets ASP.NET Core's forwarded-headers options to trust exactly these proxies (none of its loopback defaults).</summary>
    internal void ApplyTo(ForwardedHeadersOptions forwarded)
    {
        ArgumentNullException.ThrowIfNull(forwarded);
        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        forwarded.ForwardLimit = ForwardLimit;
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies)
        {
            if (IPAddress.TryParse(proxy.Trim(), out var address))
            {
                forwarded.KnownProxies.Add(address);
            }
        }

        foreach (var network in KnownNetworks)
        {
            if (System.Net.IPNetwork.TryParse(network.Trim(), out var parsed))
            {
                forwarded.KnownIPNetworks.Add(parsed);
            }
        }
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(KnownProxies[i]?.Trim(), out _))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(KnownProxies)}:{i} must be an IP address (e.g. 10.0.0.5 or ::1); it was '{KnownProxies[i]}'.", [nameof(KnownProxies)]);
            }
        }

        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i]?.Trim(), out _))
            {
                yield return new ValidationResult(
                    $"{Section}:{nameof(KnownNetworks)}:{i} must be a network in CIDR notation (e.g. 10.0.0.0/8 or fd00::/8); it was '{KnownNetworks[i]}'.", [nameof(KnownNetworks)]);
            }
        }
    }
}
