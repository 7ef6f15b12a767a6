namespace Vigil.Monitoring.Definitions;

/// <summary>
/// What a monitor checks, how often and what counts as up. One record for the three types;
/// the fields of other types stay at their defaults (the validator refuses them set).
/// </summary>
public sealed record MonitorDefinition
{
    /// <summary>Gets the identifier.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the unique name (the <c>monitor</c> label of its series and alert).</summary>
    public required string Name { get; init; }

    /// <summary>Gets what it checks.</summary>
    public MonitorType Type { get; init; } = MonitorType.Http;

    /// <summary>Gets whether it is checked (a paused monitor neither checks nor alerts).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>Gets whether the public status page shows it (when the page is on: <c>Vigil:StatusPage:Enabled</c>).</summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Public { get; init; }

    /// <summary>Gets the name the public status page shows instead of <see cref="Name"/> (internal names can say too much).</summary>
    public string? PublicName { get; init; }

    /// <summary>Gets the seconds between checks; for a heartbeat, the period the job checks in at.</summary>
    /// <value>Defaults to 60; at least 10.</value>
    public int IntervalSeconds { get; init; } = 60;

    /// <summary>Gets the seconds a check may take (HTTP, TCP).</summary>
    /// <value>Defaults to 10; at most the interval and at most <see cref="MonitoringOptions.MaxTimeoutSeconds"/>.</value>
    public double TimeoutSeconds { get; init; } = 10;

    /// <summary>Gets the failed checks tried again before the monitor counts as down.</summary>
    /// <value>Defaults to 0: down at the first failure.</value>
    public int Retries { get; init; }

    /// <summary>
    /// The default <see cref="RetryIntervalSeconds"/>: a retry confirms a failure one second later,
    /// so a monitor with one retry is down within its interval and about a second (issue 11's
    /// target: interval + 2 s). Targets that restart for longer take more retries or a longer interval.
    /// </summary>
    public const int DefaultRetryIntervalSeconds = 1;

    /// <summary>Gets the seconds between a failed check and its retry.</summary>
    /// <value>Defaults to <see cref="DefaultRetryIntervalSeconds"/> (1).</value>
    public int RetryIntervalSeconds { get; init; } = DefaultRetryIntervalSeconds;

    /// <summary>Gets the URL (HTTP).</summary>
    public string? Url { get; init; }

    /// <summary>Gets the request method (HTTP).</summary>
    /// <value>Defaults to <c>GET</c>.</value>
    public string Method { get; init; } = "GET";

    /// <summary>Gets the request headers (HTTP).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Gets the request body (HTTP), sent as <see cref="BodyContentType"/>.</summary>
    public string? Body { get; init; }

    /// <summary>Gets the content type of <see cref="Body"/>.</summary>
    /// <value>Defaults to <c>application/json</c>.</value>
    public string BodyContentType { get; init; } = "application/json";

    /// <summary>Gets the statuses an answer may have (HTTP).</summary>
    /// <value>Defaults to 200-299.</value>
    public IReadOnlyList<StatusRange> ExpectedStatus { get; init; } = [StatusRange.Success];

    /// <summary>Gets text the body must contain (HTTP; case-sensitive), or must not with <see cref="InvertKeyword"/>.</summary>
    public string? Keyword { get; init; }

    /// <summary>Gets whether <see cref="Keyword"/> must be absent instead.</summary>
    public bool InvertKeyword { get; init; }

    /// <summary>Gets a JSON path (<see cref="JsonPathExpression"/>) that must exist in the body (HTTP).</summary>
    public string? JsonPath { get; init; }

    /// <summary>Gets the value <see cref="JsonPath"/> must have (strings unquoted, other values as JSON: <c>true</c>, <c>42</c>).</summary>
    public string? JsonPathValue { get; init; }

    /// <summary>Gets the response time above which an answer counts as degraded, in milliseconds (HTTP, TCP).</summary>
    public double? DegradedAboveMs { get; init; }

    /// <summary>Gets how many days before its TLS certificate expires an HTTPS target counts as degraded.</summary>
    /// <value>Defaults to 14; null turns the warning off.</value>
    public int? CertificateExpiryDays { get; init; } = 14;

    /// <summary>Gets whether redirects are followed (up to 5).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool FollowRedirects { get; init; } = true;

    /// <summary>Gets whether TLS certificate errors are ignored (self-signed targets); the expiry warning still applies.</summary>
    public bool IgnoreTlsErrors { get; init; }

    /// <summary>Gets the host (TCP).</summary>
    public string? Host { get; init; }

    /// <summary>Gets the port (TCP).</summary>
    public int? Port { get; init; }

    /// <summary>Gets how late a heartbeat may be before the monitor is down, in seconds (heartbeat).</summary>
    /// <value>Defaults to 60.</value>
    public int GraceSeconds { get; init; } = 60;

    /// <summary>Gets the interval as a time span.</summary>
    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);

    /// <summary>Gets the timeout as a time span.</summary>
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);

    /// <summary>What it points at, for people: the URL, <c>host:port</c>, or <c>heartbeat</c>.</summary>
    public string Target => Type switch
    {
        MonitorType.Http => Url ?? "",
        MonitorType.Tcp => $"{Host}:{Port}",
        _ => "heartbeat",
    };
}
