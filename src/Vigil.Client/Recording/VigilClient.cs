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

    public VigilClient(
        TelemetryBuffer buffer,
        VigilSender sender,
        IOptions<VigilClientOptions> options,
        TimeProvider timeProvider,
        ILogger<VigilClient> logger)
    {
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
            string? problem = CheckMetric(name, kind, value);
            KeyValuePair<string, string>[]? copy = null;
            if (problem is null && labels is { Count: > 0 })
            {
                problem = TryCopy(labels, isLabels: true, out copy);
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

        if (!double.IsFinite(value))
        {
            DropInvalid("metric point", name, "the value is not a finite number");
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
            else if (!double.IsFinite(durationMs) || durationMs < 0)
            {
                problem = "the duration is not a finite, non-negative number of milliseconds";
            }

            KeyValuePair<string, string>[]? copy = null;
            if (problem is null && metadata is { Count: > 0 })
            {
                problem = TryCopy(metadata, isLabels: false, out copy);
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
        if (!NameRules.IsValidMetricName(name))
        {
            return "the name must match [a-zA-Z_:][a-zA-Z0-9_:]*";
        }

        if (kind is not (MetricKind.Counter or MetricKind.Gauge or MetricKind.Timing))
        {
            return $"'{kind}' is not a MetricKind";
        }

        if (!double.IsFinite(value))
        {
            return "the value is not a finite number";
        }

        if (kind == MetricKind.Timing && value < 0)
        {
            return "a timing cannot be negative";
        }

        return null;
    }

    private static string? TryCopy(IReadOnlyDictionary<string, string> source, bool isLabels, out KeyValuePair<string, string>[]? copy)
    {
        copy = null;
        var items = new KeyValuePair<string, string>[source.Count];
        int i = 0;
        foreach (var (key, value) in source)
        {
            if (isLabels ? !NameRules.IsValidLabelName(key) : string.IsNullOrEmpty(key))
            {
                return isLabels ? $"the label name '{key}' must match [a-zA-Z_][a-zA-Z0-9_]*" : "a metadata key is empty";
            }

            if (value is null)
            {
                return $"the value of '{key}' is null";
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
