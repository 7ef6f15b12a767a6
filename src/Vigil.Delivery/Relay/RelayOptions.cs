using System.ComponentModel.DataAnnotations;

namespace Vigil.Delivery.Relay;

/// <summary>The webhook relay (configuration section <c>Vigil:Relay</c>).</summary>
public sealed class RelayOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Relay";

    /// <summary>The largest relayed body, in bytes; larger ones get a 413 problem.</summary>
    /// <value>1 MiB.</value>
    [Range(1, 16 << 20)]
    public int MaxBodyBytes { get; set; } = 1 << 20;

    /// <summary>How long a relay call waits for the first attempts before it answers (the rest stay queued).</summary>
    /// <value>10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Relay calls accepted per second for one endpoint; past it, 429 with Retry-After.</summary>
    /// <value>50.</value>
    [Range(1, 100_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>How long relayed requests (and their bodies) stay in the request log.</summary>
    /// <value>30 days.</value>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan RequestRetention { get; set; } = TimeSpan.FromDays(30);
}
