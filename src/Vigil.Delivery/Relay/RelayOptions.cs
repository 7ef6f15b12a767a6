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

    /// <summary>
    /// The largest body an endpoint without a secret (<c>allowUnauthenticated</c>) accepts, in
    /// bytes; larger ones get a 413 problem. Anyone who knows such an endpoint's slug can store
    /// bodies, so they are kept smaller. The smaller of this and <see cref="MaxBodyBytes"/> applies.
    /// </summary>
    /// <value>64 KiB.</value>
    [Range(1, 16 << 20)]
    public int UnauthenticatedMaxBodyBytes { get; set; } = 64 << 10;

    /// <summary>
    /// The total size, in bytes, of the relayed bodies kept in the request log. Past it, the bodies
    /// of the oldest requests whose deliveries have all finished are dropped (their log entries
    /// stay); a body still needed by a pending delivery is never dropped, and when those alone
    /// fill the budget a new call gets 503 with <c>Retry-After</c>. At least <see cref="MaxBodyBytes"/>.
    /// </summary>
    /// <value>256 MiB.</value>
    [Range(typeof(long), "1", "1000000000000000")]
    public long StoredBodyBudgetBytes { get; set; } = 256L << 20;

    /// <summary>How long a relay call waits for the first attempts before it answers (the rest stay queued).</summary>
    /// <value>10 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan WaitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Authenticated relay calls accepted per second for one endpoint; past it, 429 with
    /// <c>Retry-After</c>. Calls with a wrong secret do not count.
    /// </summary>
    /// <value>50.</value>
    [Range(1, 100_000)]
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>
    /// Authenticated relay calls accepted per minute from one client address (to any endpoint);
    /// past it, 429 with <c>Retry-After</c>. Checked before the endpoint's limit, so one address
    /// over its share does not use up the endpoint's.
    /// </summary>
    /// <value>600.</value>
    [Range(1, 1_000_000)]
    public int AddressRequestsPerMinute { get; set; } = 600;

    /// <summary>
    /// Relay calls with a wrong or missing secret, or to an unknown slug, accepted per minute from
    /// one client address; past it, that address gets 429 with <c>Retry-After</c> (its secret is
    /// not even checked) until the minute is over.
    /// </summary>
    /// <value>10.</value>
    [Range(1, 100_000)]
    public int FailedAttemptsPerMinute { get; set; } = 10;

    /// <summary>How long relayed requests (and their bodies) stay in the request log.</summary>
    /// <value>30 days.</value>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan RequestRetention { get; set; } = TimeSpan.FromDays(30);
}
