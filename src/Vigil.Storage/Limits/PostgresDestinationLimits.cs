using Npgsql;
using Vigil.Core.Limits;

namespace Vigil.Storage.Limits;

/// <summary>
/// Destination limits in PostgreSQL (<c>destination_limits</c>): one row per destination, changed
/// by single statements whose <c>SET</c> reads the row they update, so concurrent processes
/// serialise on its row lock and each sees the others' tokens and failures.
/// </summary>
public sealed class PostgresDestinationLimits(Database database, TimeProvider time) : IDestinationLimits
{
    // avail: the tokens after refilling since the last call, at most the bucket's size.
    private const string Avail = "least(@permits, tokens + (@now - refilled_at) * @per_ms)";

    private const string EnterSql = $"""
        INSERT INTO destination_limits (destination, tokens, refilled_at, failures, open_until, verdict)
        VALUES (@destination, @permits, @now, 0, NULL, 0) ON CONFLICT (destination) DO NOTHING;
        UPDATE destination_limits SET
            verdict = CASE WHEN open_until > @now THEN 1 WHEN {Avail} < 1 THEN 2 ELSE 0 END,
            tokens = CASE WHEN coalesce(open_until <= @now, true) AND {Avail} >= 1 THEN {Avail} - 1 ELSE {Avail} END,
            open_until = CASE WHEN open_until <= @now AND {Avail} >= 1 THEN @now + @break_ms ELSE open_until END,
            refilled_at = @now
        WHERE destination = @destination
        RETURNING verdict, open_until, tokens
        """;

    private const string RecordSql = """
        UPDATE destination_limits SET
            failures = CASE WHEN @failed THEN failures + 1 ELSE 0 END,
            open_until = CASE WHEN NOT @failed THEN NULL
                              WHEN failures + 1 >= @threshold OR open_until IS NOT NULL THEN @now + @break_ms
                              ELSE open_until END
        WHERE destination = @destination
        """;

    /// <inheritdoc />
    public async ValueTask<DestinationGate> EnterAsync(string destination, int permits, TimeSpan period, TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var perMs = permits / period.TotalMilliseconds;
        await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(EnterSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("destination", destination));
        command.Parameters.Add(new NpgsqlParameter<double>("permits", permits));
        command.Parameters.Add(new NpgsqlParameter<double>("per_ms", perMs));
        command.Parameters.Add(new NpgsqlParameter<long>("now", now));
        command.Parameters.Add(new NpgsqlParameter<long>("break_ms", (long)breakDuration.TotalMilliseconds));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return DestinationGates.Of(reader.GetInt16(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetDouble(2), now, perMs);
    }

    /// <inheritdoc />
    public async ValueTask RecordAsync(string destination, bool failed, int threshold, TimeSpan breakDuration, CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(RecordSql, connection);
        command.Parameters.Add(new NpgsqlParameter<string>("destination", destination));
        command.Parameters.Add(new NpgsqlParameter<bool>("failed", failed));
        command.Parameters.Add(new NpgsqlParameter<int>("threshold", threshold));
        command.Parameters.Add(new NpgsqlParameter<long>("now", time.GetUtcNow().ToUnixTimeMilliseconds()));
        command.Parameters.Add(new NpgsqlParameter<long>("break_ms", (long)breakDuration.TotalMilliseconds));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
