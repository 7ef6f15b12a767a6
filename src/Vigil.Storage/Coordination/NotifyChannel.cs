using Npgsql;

namespace Vigil.Storage.Coordination;

/// <summary>
/// A PostgreSQL <c>LISTEN/NOTIFY</c> channel between the processes sharing the database: short
/// messages, delivered to the processes listening at the time (none are kept for later). On
/// SQLite, which one process uses, messages go nowhere and listening returns at once.
/// </summary>
/// <param name="database">The shared database.</param>
/// <param name="name">The channel's name (an identifier: letters, digits and underscores).</param>
public sealed class NotifyChannel(Database database, string name)
{
    /// <summary>Whether other processes may be listening (PostgreSQL).</summary>
    public bool IsShared => database.Provider == StorageProvider.Postgres;

    /// <summary>Sends <paramref name="message"/> to every process listening now.</summary>
    public async ValueTask NotifyAsync(string message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IsShared)
        {
            return;
        }

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_notify(@channel, @message)";
        command.Parameters.Add(new NpgsqlParameter("channel", name));
        command.Parameters.Add(new NpgsqlParameter("message", message));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Listens on a connection of its own until cancelled or the connection fails (which throws):
    /// <paramref name="onMessage"/> runs for each message. The caller reconnects.
    /// </summary>
    public async Task ListenAsync(Action<string> onMessage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onMessage);
        if (!IsShared)
        {
            return;
        }

        await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        connection.Notification += (_, e) => onMessage(e.Payload);
        await using (var listen = connection.CreateCommand())
        {
            listen.CommandText = $"LISTEN {name}";
            await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        while (true)
        {
            if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false))
            {
                // Nothing for a while: make sure the connection is still alive.
                await using var ping = connection.CreateCommand();
                ping.CommandText = "SELECT 1";
                await ping.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
