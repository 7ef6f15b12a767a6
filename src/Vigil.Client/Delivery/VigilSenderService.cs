using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// The background sender: drains the buffer every <see cref="VigilClientOptions.FlushInterval"/>, or as
/// soon as a full batch is waiting, and flushes what is left when the host stops.
/// </summary>
internal sealed partial class VigilSenderService : BackgroundService
{
    private readonly TelemetryBuffer _buffer;
    private readonly VigilSender _sender;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<VigilSenderService> _logger;
    private readonly VigilClientOptions _options;
    private long _reportedOverflow;
    private long _reportedInvalid;

    public VigilSenderService(
        TelemetryBuffer buffer,
        VigilSender sender,
        IOptions<VigilClientOptions> options,
        TimeProvider timeProvider,
        ILogger<VigilSenderService> logger)
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
        _options = options.Value;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop the loop first (a retry wait in progress is cancelled; its batch stays pending), then send what is left.
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_options.Enabled)
        {
            await _sender.FlushForShutdownAsync(cancellationToken).ConfigureAwait(false);
            ReportDrops();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled(_logger);
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await WaitForWorkAsync(stoppingToken).ConfigureAwait(false);
                _buffer.BatchReady.Reset();
                await _sender.DrainAsync(stoppingToken).ConfigureAwait(false);
                ReportDrops();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // Never let a bug end delivery for the life of the process; pause so it cannot spin.
                LogLoopFailed(_logger, ex);
                try
                {
                    await Task.Delay(_options.FlushInterval, _timeProvider, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Completes when a full batch is waiting or <see cref="VigilClientOptions.FlushInterval"/> has passed.</summary>
    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        var batchReady = _buffer.BatchReady.WaitAsync();
        if (batchReady.IsCompleted)
        {
            return;
        }

        using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var interval = Task.Delay(_options.FlushInterval, _timeProvider, stopDelay.Token);
        await Task.WhenAny(batchReady, interval).ConfigureAwait(false);
        await stopDelay.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }

    private void ReportDrops()
    {
        long overflow = _buffer.DroppedOverflow;
        if (overflow != _reportedOverflow)
        {
            LogOverflow(_logger, overflow - _reportedOverflow, _buffer.Capacity);
            _reportedOverflow = overflow;
        }

        long invalid = _buffer.DroppedInvalid;
        if (invalid != _reportedInvalid)
        {
            LogInvalid(_logger, invalid - _reportedInvalid);
            _reportedInvalid = invalid;
        }
    }

    [LoggerMessage(EventId = 20, EventName = "BufferOverflow", Level = LogLevel.Warning,
        Message = "{Count} of the oldest buffered items were dropped because the buffer of {Capacity} was full (Vigil unreachable or too slow)")]
    private static partial void LogOverflow(ILogger logger, long count, int capacity);

    [LoggerMessage(EventId = 21, EventName = "InvalidInputSummary", Level = LogLevel.Warning,
        Message = "{Count} invalid metric points, job executions, spans or error events were dropped; enable Debug logging for Vigil.Client to see why")]
    private static partial void LogInvalid(ILogger logger, long count);

    [LoggerMessage(EventId = 22, EventName = "SenderLoopFailed", Level = LogLevel.Error,
        Message = "The Vigil sender failed unexpectedly; it will try again")]
    private static partial void LogLoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 23, EventName = "ClientDisabled", Level = LogLevel.Information,
        Message = "The Vigil client is disabled (Vigil:Enabled is false): nothing is recorded or sent")]
    private static partial void LogDisabled(ILogger logger);
}
