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

    /// <summary>
    /// The longest request line (method, target and version) accepted, in bytes; a longer one gets
    /// a 414 problem. Kestrel's own limit is set to <see cref="KestrelHeadroom"/> times this, so
    /// Vigil answers first, with a body.
    /// </summary>
    /// <value>8 KiB (Kestrel's default).</value>
    [Range(1024, 1 << 20)]
    public int MaxRequestLineBytes { get; set; } = 8 << 10;

    /// <summary>The largest total size of the request headers, in bytes; more gets a 431 problem.</summary>
    /// <value>32 KiB (Kestrel's default).</value>
    [Range(4096, 1 << 22)]
    public int MaxRequestHeadersBytes { get; set; } = 32 << 10;

    /// <summary>The most request headers accepted; more get a 431 problem.</summary>
    /// <value>100 (Kestrel's default).</value>
    [Range(10, 10_000)]
    public int MaxRequestHeaderCount { get; set; } = 100;

    /// <summary>
    /// How many times Vigil's request line and header limits Kestrel's are: requests between the
    /// two get Vigil's problem answer; beyond Kestrel's, Kestrel answers without a body.
    /// </summary>
    public const int KestrelHeadroom = 4;
}
