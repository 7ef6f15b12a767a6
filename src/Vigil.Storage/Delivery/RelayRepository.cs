using System.Globalization;
using System.Text.Json;
using Dapper;

namespace Vigil.Storage.Delivery;

/// <summary>
/// Relay endpoints and the log of relayed requests, whose kept bodies stay within a byte budget
/// (<c>relay_body_usage</c> holds their total; a dropped body is <c>''</c> with <c>body_bytes</c> 0).
/// </summary>
public sealed class RelayRepository(Database database)
{
    private const string EndpointColumns = "id, slug, name, integrations, secret, created_at, updated_at, allow_unauthenticated";
    private const string RequestColumns = "id, endpoint_id, received_at, status, total, successful, failed";

    /// <summary>Stores an endpoint; false when the slug is taken.</summary>
    public async Task<bool> InsertEndpointAsync(StoredRelayEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO relay_endpoints ({EndpointColumns}) VALUES (@Id, @Slug, @Name, @Integrations, @Secret, @CreatedAtMs, @UpdatedAtMs, @AllowUnauthenticated) ON CONFLICT DO NOTHING",
            Row(endpoint), cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <summary>Replaces an endpoint; null when it is gone, and NameTaken when the new slug belongs to another.</summary>
    public async Task<(bool Updated, bool SlugTaken)> UpdateEndpointAsync(StoredRelayEndpoint endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var taken = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM relay_endpoints WHERE slug = @Slug AND id <> @Id", new { endpoint.Slug, endpoint.Id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (taken > 0)
        {
            return (false, true);
        }

        var updated = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relay_endpoints SET slug = @Slug, name = @Name, integrations = @Integrations, secret = @Secret, allow_unauthenticated = @AllowUnauthenticated, updated_at = @UpdatedAtMs WHERE id = @Id",
            Row(endpoint), cancellationToken: cancellationToken)).ConfigureAwait(false);
        return (updated == 1, false);
    }

    /// <summary>Deletes an endpoint (its request log stays); false when there is none.</summary>
    public async Task<bool> DeleteEndpointAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteAsync(new CommandDefinition("DELETE FROM relay_endpoints WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false) == 1;
    }

    /// <summary>An endpoint by id, or null.</summary>
    public async Task<StoredRelayEndpoint?> GetEndpointAsync(string id, CancellationToken cancellationToken = default) =>
        (await QueryEndpointsAsync($"SELECT {EndpointColumns} FROM relay_endpoints WHERE id = @id", new { id }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>An endpoint by slug, or null.</summary>
    public async Task<StoredRelayEndpoint?> GetBySlugAsync(string slug, CancellationToken cancellationToken = default) =>
        (await QueryEndpointsAsync($"SELECT {EndpointColumns} FROM relay_endpoints WHERE slug = @slug", new { slug }, cancellationToken).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Every endpoint, by slug.</summary>
    public Task<IReadOnlyList<StoredRelayEndpoint>> ListEndpointsAsync(CancellationToken cancellationToken = default) =>
        QueryEndpointsAsync($"SELECT {EndpointColumns} FROM relay_endpoints ORDER BY slug", null, cancellationToken);

    /// <summary>
    /// Logs a relayed request and keeps its body, inside the caller's transaction (with its
    /// delivery jobs), within <paramref name="budgetBytes"/>: when the kept bodies would exceed it,
    /// the bodies of the oldest requests whose deliveries have all finished are dropped first (their
    /// log entries stay). Returns false, having stored nothing, when the bodies still needed by
    /// pending deliveries leave no room: the caller rolls back and refuses the call.
    /// </summary>
    public static async Task<bool> InsertRequestAsync(UnitOfWork work, RelayRequestRecord request, string body, long budgetBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(budgetBytes);
        var bodyBytes = (long)System.Text.Encoding.UTF8.GetByteCount(body);
        if (bodyBytes > budgetBytes)
        {
            return false;
        }

        // The usage row is taken first: on PostgreSQL its row lock makes concurrent intakes take
        // their turn, so two of them never drop the same bodies or both spend the last room.
        var used = await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE relay_body_usage SET bytes = bytes + @bodyBytes WHERE id = 1 RETURNING bytes", new { bodyBytes }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var freed = 0L;
        while (used - freed > budgetBytes)
        {
            var finished = (await work.Connection.QueryAsync<(string Id, long Bytes)>(new CommandDefinition(
                """
                SELECT id, body_bytes FROM relay_requests
                WHERE body_bytes > 0 AND successful + failed >= total
                ORDER BY received_at, id LIMIT 200
                """, transaction: work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
            if (finished.Count == 0)
            {
                return false;
            }

            var dropped = new List<string>();
            foreach (var (id, bytes) in finished)
            {
                dropped.Add(id);
                freed += bytes;
                if (used - freed <= budgetBytes)
                {
                    break;
                }
            }

            await work.Connection.ExecuteAsync(new CommandDefinition(
                work.Provider == StorageProvider.Postgres
                    ? "UPDATE relay_requests SET body = '', body_bytes = 0 WHERE id = ANY(@dropped)"
                    : "UPDATE relay_requests SET body = '', body_bytes = 0 WHERE id IN @dropped",
                new { dropped = dropped.ToArray() }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        if (freed > 0)
        {
            await work.Connection.ExecuteAsync(new CommandDefinition(
                "UPDATE relay_body_usage SET bytes = bytes - @freed WHERE id = 1", new { freed }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }

        await work.Connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO relay_requests ({RequestColumns}, body, body_bytes) VALUES (@Id, @EndpointId, @ReceivedAtMs, @Status, @Total, @Successful, @Failed, @body, @bodyBytes)",
            new { request.Id, request.EndpointId, request.ReceivedAtMs, request.Status, request.Total, request.Successful, request.Failed, body, bodyBytes },
            work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return true;
    }

    /// <summary>The total size of the kept bodies, in bytes, as the budget counts it.</summary>
    public async Task<long> StoredBodyBytesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT bytes FROM relay_body_usage WHERE id = 1", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Records what the caller was answered.</summary>
    public async Task SetStatusAsync(string requestId, string status, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relay_requests SET status = @status WHERE id = @requestId", new { requestId, status }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Counts a delivery that finished: it succeeded, or it gave up.</summary>
    public async Task CountOutcomeAsync(string requestId, bool succeeded, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await connection.ExecuteAsync(new CommandDefinition(
            succeeded
                ? "UPDATE relay_requests SET successful = successful + 1 WHERE id = @requestId"
                : "UPDATE relay_requests SET failed = failed + 1 WHERE id = @requestId",
            new { requestId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The body of a relayed request, or null when the request is gone or its body was dropped (see <see cref="HasRequestAsync"/>).</summary>
    public async Task<string?> BodyAsync(string requestId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var body = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT body FROM relay_requests WHERE id = @requestId", new { requestId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return body is { Length: > 0 } ? body : null;
    }

    /// <summary>Whether the request is still in the log (with or without its body).</summary>
    public async Task<bool> HasRequestAsync(string requestId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM relay_requests WHERE id = @requestId", new { requestId }, cancellationToken: cancellationToken)).ConfigureAwait(false) > 0;
    }

    /// <summary>Relayed requests, newest first (of one endpoint when given).</summary>
    public async Task<IReadOnlyList<RelayRequestRecord>> RequestsAsync(string? endpointId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, string EndpointId, long ReceivedAt, string Status, long Total, long Successful, long Failed)>(new CommandDefinition(
            $"SELECT {RequestColumns} FROM relay_requests WHERE @endpointId IS NULL OR endpoint_id = @endpointId ORDER BY received_at DESC, id LIMIT @limit",
            new { endpointId, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new RelayRequestRecord(r.Id, r.EndpointId, r.ReceivedAt, r.Status, (int)r.Total, (int)r.Successful, (int)r.Failed))];
    }

    /// <summary>Relayed requests received at or after <paramref name="sinceMs"/>.</summary>
    public async Task<long> CountRequestsSinceAsync(long sinceMs, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM relay_requests WHERE received_at >= @sinceMs", new { sinceMs }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>Deletes logged requests (and their bodies) received before <paramref name="beforeMs"/>.</summary>
    public async Task<int> DeleteRequestsBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var work = await database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var freed = await work.Connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COALESCE(SUM(body_bytes), 0) FROM relay_requests WHERE received_at < @beforeMs", new { beforeMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE relay_body_usage SET bytes = bytes - @freed WHERE id = 1", new { freed }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var deleted = await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM relay_requests WHERE received_at < @beforeMs", new { beforeMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private async Task<IReadOnlyList<StoredRelayEndpoint>> QueryEndpointsAsync(string sql, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await connection.QueryAsync<(string Id, string Slug, string Name, string Integrations, string? Secret, long CreatedAt, long UpdatedAt, object AllowUnauthenticated)>(
            new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new StoredRelayEndpoint(
            r.Id, r.Slug, r.Name, JsonSerializer.Deserialize<string[]>(r.Integrations) ?? [], r.Secret, r.CreatedAt, r.UpdatedAt,
            Convert.ToBoolean(r.AllowUnauthenticated, CultureInfo.InvariantCulture)))];
    }

    private static object Row(StoredRelayEndpoint e) => new
    {
        e.Id,
        e.Slug,
        e.Name,
        Integrations = JsonSerializer.Serialize(e.Integrations),
        e.Secret,
        e.CreatedAtMs,
        e.UpdatedAtMs,
        e.AllowUnauthenticated,
    };
}
