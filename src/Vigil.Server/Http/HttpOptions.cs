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
}
