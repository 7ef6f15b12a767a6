using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Vigil.Notifications.Delivery;

/// <summary>
/// Settings of notification delivery: which destinations may be reached, how long an attempt may
/// take, and the circuit breaker and rate limit every destination gets. Bound from
/// <c>Vigil:Delivery</c> and validated at start-up.
/// </summary>
public sealed class DeliveryOptions
{
    /// <summary>The usual configuration section of these settings: <c>Vigil:Delivery</c>.</summary>
    public const string SectionName = "Vigil:Delivery";

    /// <summary>The name of the <see cref="HttpClient"/> the senders get from <c>IHttpClientFactory</c>.</summary>
    public const string HttpClientName = "Vigil.Notifications";

    /// <summary>
    /// Gets or sets a value indicating whether destinations on private, loopback, link-local,
    /// unique-local, CGNAT, multicast or unspecified addresses may be reached. Leave it off on a
    /// server that users outside the operators can configure: it stops a channel from probing the
    /// server's own network (SSRF).
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>
    /// Gets the host names (or address literals) reachable whatever they resolve to, for example an
    /// SMTP relay or a webhook receiver on the internal network. Compared case-insensitively with the
    /// destination's host.
    /// </summary>
    /// <value>Defaults to empty.</value>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Gets or sets how long one attempt (HTTP request, SMTP session) may take before it is abandoned as retryable.</summary>
    /// <value>Defaults to 15 seconds. Between 1 second and 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Vigil:Delivery:Timeout must be between {1} and {2}.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Gets or sets how many consecutive failed attempts to one destination open its circuit breaker.</summary>
    /// <value>Defaults to 5. Between 2 and 1000.</value>
    [Range(2, 1000, ErrorMessage = "Vigil:Delivery:BreakerFailureThreshold must be between {1} and {2}.")]
    public int BreakerFailureThreshold { get; set; } = 5;

    /// <summary>Gets or sets how long an open breaker refuses attempts before it lets one probe through (half-open).</summary>
    /// <value>Defaults to 60 seconds. Between 1 second and 1 day.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Vigil:Delivery:BreakerBreakDuration must be between {1} and {2}.")]
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Gets or sets the rate limit of a destination per channel type (<c>Vigil:Delivery:RateLimits:Slack:Permits</c>,
    /// <c>...:Period</c>; types Webhook, Slack, Discord, Teams, Email).
    /// </summary>
    /// <value>Webhook 50/s, Slack 1/s, Discord 1 per 2 s, Teams 1/s, Email 10/s (see <see cref="DestinationRateLimits"/>).</value>
    public DestinationRateLimits RateLimits { get; set; } = new();

    /// <summary>Gets or sets how many attempts may wait for the rate limit of one destination; past that they are short-circuited.</summary>
    /// <value>Defaults to 100. Between 0 and 100 000.</value>
    [Range(0, 100_000, ErrorMessage = "Vigil:Delivery:RateLimitQueue must be between {1} and {2}.")]
    public int RateLimitQueue { get; set; } = 100;
}

/// <summary>Validates the ranges of <see cref="DeliveryOptions"/> (source generated).</summary>
[OptionsValidator]
internal sealed partial class DeliveryOptionsAttributeValidator : IValidateOptions<DeliveryOptions>;
