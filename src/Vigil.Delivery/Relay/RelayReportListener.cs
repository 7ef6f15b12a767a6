using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Storage;
using Vigil.Storage.Coordination;

namespace Vigil.Delivery.Relay;

/// <summary>
/// Carries relay deliveries' first outcomes between processes (PostgreSQL <c>NOTIFY vigil_relay</c>):
/// a handler whose request waits on another process publishes its outcome, and every process
/// hands what it hears to its <see cref="RelayWaiters"/>. A message lost while a listener
/// reconnects leaves that delivery pending in the answer (its outcome is in the request log).
/// Nothing on SQLite, where one process runs everything.
/// </summary>
internal sealed partial class RelayReportListener(Database database, RelayWaiters waiters, TimeProvider time, ILogger<RelayReportListener> logger) : BackgroundService
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);
    private readonly NotifyChannel _channel = new(database, "vigil_relay");

    /// <summary>Tells the other processes that <paramref name="channelId"/>'s delivery of <paramref name="requestId"/> ended its first attempt.</summary>
    public async ValueTask PublishAsync(string requestId, string channelId, bool delivered, CancellationToken cancellationToken)
    {
        try
        {
            await _channel.NotifyAsync($"{(delivered ? '1' : '0')} {requestId} {channelId}", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The delivery happened: a lost report only leaves it pending in the caller's answer.
            LogPublishFailed(ex);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_channel.IsShared)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _channel.ListenAsync(Received, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogListenFailed(ex, Reconnect.TotalSeconds);
                await Task.Delay(Reconnect, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    // "1 <request id> <channel id>": ids have no spaces (a Guid and a channel id).
    private void Received(string message)
    {
        var parts = message.Split(' ', 3);
        if (parts.Length == 3 && parts[0] is "0" or "1")
        {
            waiters.Report(parts[1], parts[2], parts[0] == "1");
        }
    }

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "A relay delivery's outcome could not be sent to the other processes")]
    private partial void LogPublishFailed(Exception exception);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Warning, Message = "Listening for relay outcomes from other processes failed; retrying in {Seconds} s")]
    private partial void LogListenFailed(Exception exception, double seconds);
}
