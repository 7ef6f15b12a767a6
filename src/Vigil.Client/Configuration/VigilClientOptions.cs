using System.ComponentModel.DataAnnotations;

namespace Vigil.Client;

/// <summary>
/// Settings of the Vigil client: where to send metrics, job executions, spans and error events,
/// how to batch them, how much to hold in memory while Vigil is unreachable, and what to trace.
/// </summary>
/// <remarks>
/// Bound from configuration (usually the <c>Vigil</c> section) or set in code through
/// <c>services.AddVigilClient(...)</c>. The values are validated when the host starts, so a bad
/// setting fails fast with the setting's name instead of silently losing telemetry.
/// </remarks>
public sealed class VigilClientOptions
{
    /// <summary>The name of the metric recorded by the request tracking middleware unless changed.</summary>
    public const string DefaultRequestMetricName = "http_request_duration_ms";

    /// <summary>The name of the client's own <see cref="System.Diagnostics.ActivitySource"/>, the one of <c>StartTransaction</c> and <c>StartSpan</c>.</summary>
    public const string ActivitySourceName = "Vigil.Client";

    /// <summary>The usual configuration section of these settings: <c>Vigil</c>.</summary>
    public const string SectionName = "Vigil";

    /// <summary>
    /// The name of the <see cref="System.Net.Http.HttpClient"/> the client gets from <c>IHttpClientFactory</c>,
    /// to add handlers with <c>services.AddHttpClient(VigilClientOptions.HttpClientName)</c>.
    /// </summary>
    public const string HttpClientName = "Vigil.Client";

    /// <summary>
    /// Gets or sets the base address of the Vigil server, for example <c>http://127.0.0.1:5080</c>.
    /// Metrics go to <c>{Endpoint}/api/v1/metrics</c>, job executions to
    /// <c>{Endpoint}/api/v1/jobs/executions</c>, spans to <c>{Endpoint}/v1/traces</c> (OTLP/JSON) and
    /// error events to <c>{Endpoint}/api/0/envelope/</c> (the Sentry protocol Vigil reads).
    /// </summary>
    /// <value>No default: required (an absolute <c>http</c> or <c>https</c> address) while <see cref="Enabled"/> is <see langword="true"/>.</value>
    public Uri? Endpoint { get; set; }

    /// <summary>
    /// Gets or sets the API key sent as <c>Authorization: Bearer &lt;ApiKey&gt;</c>. It needs the <c>ingest</c> role.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: when null or empty, no <c>Authorization</c> header is sent.</value>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Gets or sets the most metric points (or job executions) sent in one request.
    /// </summary>
    /// <value>Defaults to 1000. Between 1 and 10 000, the most the server accepts in one request.</value>
    [Range(1, 10_000, ErrorMessage = "VigilClientOptions.BatchSize must be between {1} and {2}: the Vigil server accepts at most 10 000 points in one request.")]
    public int BatchSize { get; set; } = 1000;

    /// <summary>
    /// Gets or sets how long a partial batch may wait in memory before it is sent.
    /// A full batch (<see cref="BatchSize"/> items) is sent at once.
    /// </summary>
    /// <value>Defaults to 1 second. Between 10 milliseconds and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "VigilClientOptions.FlushInterval must be between {1} and {2}.")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the most metric points held in memory awaiting delivery (job executions have
    /// a buffer of the same size of their own). When the buffer is full, the OLDEST item is
    /// dropped to make room and counted in <see cref="VigilClientStats.Dropped"/>: recording never
    /// blocks the application and memory stays bounded while Vigil is down.
    /// </summary>
    /// <value>Defaults to 100 000. Between 1 and 10 000 000.</value>
    [Range(1, 10_000_000, ErrorMessage = "VigilClientOptions.MaxBufferedPoints must be between {1} and {2}.")]
    public int MaxBufferedPoints { get; set; } = 100_000;

    /// <summary>
    /// Gets or sets how long one HTTP request to Vigil may take before it is abandoned and retried.
    /// </summary>
    /// <value>Defaults to 10 seconds. Between 100 milliseconds and 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = "VigilClientOptions.RequestTimeout must be between {1} and {2}.")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets the longest wait between two attempts to deliver a batch. Waits grow
    /// exponentially from 1 second (with jitter) up to this value; a server's <c>Retry-After</c>
    /// is honoured up to this value too.
    /// </summary>
    /// <value>Defaults to 30 seconds. Between 1 millisecond and 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ErrorMessage = "VigilClientOptions.MaxRetryDelay must be between {1} and {2}.")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long the host's shutdown may spend sending what is still buffered.
    /// Whatever is not delivered by then is counted as dropped. The host's own shutdown timeout
    /// also bounds it.
    /// </summary>
    /// <value>Defaults to 5 seconds. Between 0 (do not flush on shutdown) and 10 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00", ErrorMessage = "VigilClientOptions.ShutdownTimeout must be between {1} and {2}.")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Gets or sets the name of the timing metric recorded for each HTTP request by
    /// <c>app.UseVigilRequestTracking()</c>.
    /// </summary>
    /// <value>Defaults to <c>http_request_duration_ms</c>. Must match <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</value>
    [Required(ErrorMessage = "VigilClientOptions.RequestMetricName is required.")]
    public string RequestMetricName { get; set; } = DefaultRequestMetricName;

    /// <summary>
    /// Gets or sets the name of the service this application is, sent as the <c>service</c> label
    /// of every metric point (the request timings of <c>app.UseVigilRequestTracking()</c> too)
    /// that does not carry a <c>service</c> label of its own, and as the service of its spans and
    /// error events. Vigil's default anomaly rules
    /// (latency, errors, traffic) judge each service against its own history: set this when
    /// several applications report to one Vigil.
    /// </summary>
    /// <value>
    /// Defaults to <see langword="null"/>: no label added to metric points; spans and error events
    /// name the entry assembly as their service. At most 1024 characters. A point that
    /// already has the most labels Vigil accepts (32) is sent without it.
    /// </value>
    public string? ServiceName { get; set; }

    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/>s traced when <see cref="TraceSources"/> is
    /// null: ASP.NET Core's incoming requests (<c>Microsoft.AspNetCore</c>), <c>HttpClient</c>'s
    /// outgoing calls (<c>System.Net.Http</c>), and the database drivers that report their commands
    /// as activities themselves: PostgreSQL (<c>Npgsql</c>), MySQL (<c>MySqlConnector</c>), SQL Server
    /// (<c>Microsoft.Data.SqlClient</c>, from its versions that emit activities). The client's own
    /// source (<see cref="ActivitySourceName"/>) is always traced.
    /// </summary>
    public static IReadOnlyList<string> DefaultTraceSources { get; } =
        ["Microsoft.AspNetCore", "System.Net.Http", "Npgsql", "MySqlConnector", "Microsoft.Data.SqlClient"];

    /// <summary>
    /// Gets or sets the share of traces recorded and sent as spans to Vigil's <c>/v1/traces</c>
    /// (head sampling, decided from the trace id, so every span of a trace gets the same answer;
    /// a span whose parent was recorded is recorded, one whose parent was not is not). Vigil turns
    /// every span it receives into series and keeps a sampled share of whole traces itself
    /// (<c>Vigil:Traces</c>), so 1 gives exact series; lower it only to bound the traffic.
    /// </summary>
    /// <value>
    /// Defaults to 0: tracing is off (no listener, no spans), as in the Sentry SDK; set it to 1 to
    /// record every transaction. Between 0 and 1.
    /// </value>
    [Range(0.0, 1.0, ErrorMessage = "VigilClientOptions.TracesSampleRate must be between {1} and {2}.")]
    public double TracesSampleRate { get; set; }

    /// <summary>
    /// Gets or sets the names of the <see cref="System.Diagnostics.ActivitySource"/>s whose activities
    /// become spans, replacing <see cref="DefaultTraceSources"/>. Incoming requests (<c>Microsoft.AspNetCore</c>)
    /// become transactions only through <c>app.UseVigilRequestTracking()</c>, which names them by route.
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: <see cref="DefaultTraceSources"/>. Names must not be empty or contain white space.</value>
    public IList<string>? TraceSources { get; set; }

    /// <summary>
    /// Gets or sets the release sent with error events (issues record the first and last release
    /// they were seen in, and a resolved issue seen in another release regresses).
    /// </summary>
    /// <value>Defaults to <see langword="null"/>: the entry assembly's name and informational version (<c>Shop@1.4.0</c>). At most 200 characters.</value>
    public string? Release { get; set; }

    /// <summary>Gets or sets the environment sent with error events.</summary>
    /// <value>Defaults to <see langword="null"/>: the host's environment name (<c>Production</c>, <c>Development</c>) when there is a host. At most 200 characters.</value>
    public string? Environment { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether <c>app.UseVigilRequestTracking()</c> sends an
    /// exception that escapes a request to Vigil as an error event (as <c>CaptureException</c> does)
    /// before rethrowing it.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool CaptureRequestExceptions { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether telemetry is recorded and sent. When
    /// <see langword="false"/>, recording is a no-op, nothing is sent and
    /// <see cref="Endpoint"/> is not required (handy for local development and tests).
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;
}
