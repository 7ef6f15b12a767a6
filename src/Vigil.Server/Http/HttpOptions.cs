using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Http;

/// <summary>HTTP limits (configuration section <c>Vigil:Http</c>).</summary>
public sealed class HttpOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Http";

    /// <summary>The largest request body accepted, in bytes; larger ones get a 413 problem.</summary>
    /// <value>16 MiB.</value>
    [Range(1024, 1L << 30)]
    public long MaxRequestBodyBytes { get; set; } = 16L << 20;

    /// <summary>
    /// The address people reach this Vigil at, for the links in notifications (View Dashboard,
    /// Acknowledge). Set it when Vigil runs behind a proxy or on another host.
    /// </summary>
    /// <value><c>http://127.0.0.1:5080</c>.</value>
    [Required]
    [Url]
    public string PublicUrl { get; set; } = "http://127.0.0.1:5080";
}
