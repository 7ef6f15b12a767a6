using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// The <see cref="IVigilClient"/> registered by <c>AddVigilClient</c>: validates and buffers what the
/// application records; <see cref="VigilSender"/> delivers it.
/// </summary>
internal sealed partial class VigilClient : IVigilClient
{
    private const string FailureMetadataKey = "error";

    private readonly TelemetryBuffer _buffer;
    private readonly VigilSender _sender;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<VigilClient> _logger;
    private readonly bool _enabled;
    private readonly ClientIdentity _identity;

    public VigilClient(
        TelemetryBuffer buffer,
        VigilSender sender,
        IOptions<VigilClientOptions> options,
        TimeProvider timeProvider,
        ILogger<VigilClient> logger,
        ClientIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _buffer = buffer;
        _sender = sender;
        _timeProvider = timeProvider;
        _logger = logger;
        _enabled = options.Value.Enabled;
    }

    public VigilClientStats Stats => _buffer.Snapshot();

    public void RecordMetric(
        string name,
        MetricKind kind,
        double value,
        IReadOnlyDictionary<string, string>? labels = null,
        DateTimeOffset? timestamp = null)
    {
        if (!_enabled)
        {
            return;
        }

        // Recording must never throw into the application, whatever it passes.
        try
        {
            string? problem = CheckMetric(name, kind, value) ?? CheckTimestamp(timestamp);
            KeyValuePair<string, string>[]? copy = null;
            if (problem is null && labels is { Count: > 0 })
            {
                problem = labels.Count > IngestRules.MaxLabelsPerPoint
                    ? $"a point may have at most {IngestRules.MaxLabelsPerPoint} labels"
                    : TryCopy(labels, kind, out copy);
            }

            if (problem is not null)
            {
                DropInvalid("metric point", name, problem);
                return;
            }

            _buffer.Add(new MetricPoint(name, kind, value, copy, timestamp ?? _timeProvider.GetUtcNow()));
        }
        catch (Exception ex)
        {
            DropInvalid("metric point", name, ex.Message);
        }
    }

    /// <summary>
    /// Records a point whose name and labels are known to be valid and whose label array the caller
    /// gives away (the request tracking middleware), skipping the checks and the copy.
    /// </summary>
    internal void RecordTrustedMetric(string name, MetricKind kind, double value, KeyValuePair<string, string>[] labels)
    {
        if (!_enabled)
        {
            return;
        }

        if (!IngestRules.IsAcceptedValue(value))
        {
            DropInvalid("metric point", name, "the value is not a finite number between -1e15 and 1e15");
            return;
        }

        _buffer.Add(new MetricPoint(name, kind, value, labels, _timeProvider.GetUtcNow()));
    }

    public void RecordJobExecution(
        string jobId,
        bool success,
        double durationMs,
        IReadOnlyDictionary<string, string>? metadata = null,
        DateTimeOffset? timestamp = null)
    {
        if (!_enabled)
        {
            return;
        }

        try
        {
            string? problem = null;
            if (string.IsNullOrWhiteSpace(jobId))
            {
                problem = "the job id is empty";
            }
            else if (jobId.Length > IngestRules.MaxLabelValueLength)
            {
                problem = $"the job id is longer than {IngestRules.MaxLabelValueLength} characters";
            }
            else if (!IngestRules.IsAcceptedValue(durationMs) || durationMs < 0)
            {
                problem = "the duration is not a finite, non-negative number of milliseconds, at most 1e15";
            }
            else
            {
                problem = CheckTimestamp(timestamp);
            }

            KeyValuePair<string, string>[]? copy = null;
            if (problem is null && metadata is { Count: > 0 })
            {
                problem = metadata.Count > IngestRules.MaxMetadataEntries
                    ? $"an execution may have at most {IngestRules.MaxMetadataEntries} metadata entries"
                    : TryCopy(metadata, kind: null, out copy);
            }

            if (problem is not null)
            {
                DropInvalid("job execution", jobId, problem);
                return;
            }

            _buffer.Add(new JobExecution(jobId, success, durationMs, copy, timestamp ?? _timeProvider.GetUtcNow()));
        }
        catch (Exception ex)
        {
            DropInvalid("job execution", jobId, ex.Message);
        }
    }

    public async Task TrackJobAsync(string jobId, Func<CancellationToken, Task> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);

        long started = _timeProvider.GetTimestamp();
        try
        {
            await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecordFailure(jobId, started, ex);
            throw;
        }

        RecordJobExecution(jobId, success: true, _timeProvider.GetElapsedTime(started).TotalMilliseconds);
    }

    public async Task<T> TrackJobAsync<T>(string jobId, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);

        long started = _timeProvider.GetTimestamp();
        T result;
        try
        {
            result = await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            RecordFailure(jobId, started, ex);
            throw;
        }

        RecordJobExecution(jobId, success: true, _timeProvider.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    public Activity? StartTransaction(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _enabled ? VigilTracing.Source.StartActivity(name, ActivityKind.Consumer) : null;
    }

    public Activity? StartSpan(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _enabled ? VigilTracing.Source.StartActivity(name, ActivityKind.Internal) : null;
    }

    public string? CaptureException(Exception exception, string? userId = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        if (!_enabled || exception is null)
        {
            return null;
        }

        var eventId = Guid.NewGuid().ToString("N");
        try
        {
            var activity = Activity.Current;
            var request = VigilTracing.RequestOf(activity);
            var transaction = request is null ? null
                : $"{VigilRequestTrackingMiddleware.GetMethodLabel(request.Request.Method)} {VigilRequestTrackingMiddleware.GetRouteLabel(request)}";
            var context = new ErrorEventWriter.Context(
                eventId, _timeProvider.GetUtcNow(), _identity.Service, _identity.Release, _identity.Environment, userId, tags, transaction, activity);
            _buffer.Add(ErrorEventWriter.Write(exception, context));
            return eventId;
        }
        catch (Exception ex)
        {
            DropInvalid("error event", exception.GetType().Name, ex.Message);
            return null;
        }
    }

    /// <summary>Buffers a stopped activity as a span (the trace listener's callback).</summary>
    internal void RecordSpan(Activity activity)
    {
        try
        {
            _buffer.Add(SpanRecord.From(activity));
        }
        catch (Exception ex)
        {
            // Never throw into the code that stopped the activity.
            DropInvalid("span", activity.DisplayName, ex.Message);
        }
    }

    public ValueTask FlushAsync(CancellationToken cancellationToken = default)
        => _enabled ? new ValueTask(_sender.DrainAsync(cancellationToken)) : ValueTask.CompletedTask;

    private void RecordFailure(string jobId, long started, Exception exception)
    {
        var metadata = new Dictionary<string, string>(1)
        {
            [FailureMetadataKey] = exception.GetType().FullName ?? exception.GetType().Name,
        };
        RecordJobExecution(jobId, success: false, _timeProvider.GetElapsedTime(started).TotalMilliseconds, metadata);
    }

    private static string? CheckMetric(string name, MetricKind kind, double value)
    {
        if (IngestRules.CheckMetricName(name) is { } problem)
        {
            return problem;
        }

        if (kind is not (MetricKind.Counter or MetricKind.Gauge or MetricKind.Timing))
        {
            return $"'{kind}' is not a MetricKind";
        }

        if (!IngestRules.IsAcceptedValue(value))
        {
            return "the value is not a finite number between -1e15 and 1e15";
        }

        if (kind == MetricKind.Timing && value < 0)
        {
            return "a timing cannot be negative";
        }

        return null;
    }

    private string? CheckTimestamp(DateTimeOffset? timestamp)
        => timestamp is { } value ? IngestRules.CheckTimestamp(value, _timeProvider.GetUtcNow()) : null;

    /// <summary>Copies labels (checked against <paramref name="kind"/>) or, when <paramref name="kind"/> is null, metadata.</summary>
    private static string? TryCopy(IReadOnlyDictionary<string, string> source, MetricKind? kind, out KeyValuePair<string, string>[]? copy)
    {
        copy = null;
        var items = new KeyValuePair<string, string>[source.Count];
        int i = 0;
        foreach (var (key, value) in source)
        {
            if (value is null)
            {
                return $"the value of '{key}' is null";
            }

            string? problem = kind is { } metricKind
                ? IngestRules.CheckLabel(key, value, metricKind)
                : string.IsNullOrEmpty(key) ? "a metadata key is empty" : null;
            if (problem is not null)
            {
                return problem;
            }

            if (i == items.Length)
            {
                return "the dictionary changed while it was read";
            }

            items[i++] = new KeyValuePair<string, string>(key, value);
        }

        if (i != items.Length)
        {
            return "the dictionary changed while it was read";
        }

        copy = items;
        return null;
    }

    private void DropInvalid(string what, string? name, string reason)
    {
        _buffer.CountInvalid();
        LogInvalidDropped(_logger, what, name ?? "(null)", reason);
    }

    [LoggerMessage(EventId = 1, EventName = "InvalidInputDropped", Level = LogLevel.Debug,
        Message = "Dropped an invalid {What} '{Name}': {Reason}")]
    private static partial void LogInvalidDropped(ILogger logger, string what, string name, string reason);
}
