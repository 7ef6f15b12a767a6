using Microsoft.Extensions.Logging;
using Npgsql;

namespace Vigil.Storage.Caching;

/// <summary>
/// Invalidations over PostgreSQL's LISTEN/NOTIFY (channel <c>vigil_cache</c>): the nodes already
/// share the database, so no other server is needed. One connection per node listens; while it is
/// lost the node's cache is not trusted, and it reconnects every second.
/// </summary>
internal sealed partial class PostgresInvalidationBus(Database database, TimeProvider time, ILogger<PostgresInvalidationBus> logger) : ICacheInvalidationBus
{
    private const string Channel = "vigil_cache";

    public string Name => "postgres";

    public bool RemoteNodes => true;

    public async ValueTask PublishAsync(CacheInvalidation invalidation, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT pg_notify('{Channel}', @message)";
        command.Parameters.Add(new NpgsqlParameter("message", invalidation.Wire));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ListenAsync(VigilCache cache, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = (NpgsqlConnection)await database.OpenAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) =>
                {
                    if (CacheInvalidation.Parse(e.Payload) is { } invalidation)
                    {
                                                cache.Received(invalidation);
                    }
                };
                await using (var listen = connection.CreateCommand())
                {
                    listen.CommandText = $"LISTEN {Channel}";
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                cache.SetTrusted(true);
                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                cache.SetTrusted(false);
                LogListenFailed(ex);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Listening for cache invalidations on PostgreSQL failed; retrying in a second")]
    private partial void LogListenFailed(Exception exception);
}
