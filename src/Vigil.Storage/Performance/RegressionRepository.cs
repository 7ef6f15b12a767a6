using Dapper;

namespace Vigil.Storage.Performance;

/// <summary>The steps found in operations' durations: regressions (open, then resolved) and improvements.</summary>
public sealed class RegressionRepository
{
    private const string Columns =
        "r.id AS Id, r.operation_id AS OperationId, r.kind AS Kind, r.measure AS Measure, r.state AS State, r.started_at AS StartedAtMs, r.detected_at AS DetectedAtMs, " +
        "r.resolved_at AS ResolvedAtMs, r.before_ms AS BeforeMs, r.after_ms AS AfterMs, r.change_percent AS ChangePercent, r.baseline_ms AS BaselineMs, " +
        "r.baseline_change_percent AS BaselineChangePercent, r.confidence AS Confidence, r.block_minutes AS BlockMinutes, r.versions_before AS VersionsBefore, " +
        "r.versions_after AS VersionsAfter, o.name AS OperationName, o.kind AS OperationKind, o.service AS Service";

    private readonly Database _database;

    /// <summary>Creates the repository.</summary>
    public RegressionRepository(Database database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    /// <summary>Stores a new finding.</summary>
    public async Task InsertAsync(StoredRegression regression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(regression);
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO regressions (id, operation_id, kind, measure, state, started_at, detected_at, resolved_at, before_ms, after_ms, change_percent,
                baseline_ms, baseline_change_percent, confidence, block_minutes, versions_before, versions_after)
            VALUES (@Id, @OperationId, @Kind, @Measure, @State, @StartedAtMs, @DetectedAtMs, @ResolvedAtMs, @BeforeMs, @AfterMs, @ChangePercent,
                @BaselineMs, @BaselineChangePercent, @Confidence, @BlockMinutes, @VersionsBefore, @VersionsAfter)
            """, regression, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Marks an open regression resolved at <paramref name="resolvedAtMs"/>; false when it was not open.</summary>
    public async Task<bool> ResolveAsync(string id, long resolvedAtMs, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var changed = await work.Connection.ExecuteAsync(new CommandDefinition(
            "UPDATE regressions SET state = 'resolved', resolved_at = @resolvedAtMs WHERE id = @id AND state = 'open'",
            new { id, resolvedAtMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed == 1;
    }

    /// <summary>The open regressions, oldest first.</summary>
    public Task<IReadOnlyList<StoredRegression>> OpenAsync(CancellationToken cancellationToken = default) =>
        ListAsync(state: "open", kind: null, operationId: null, limit: int.MaxValue, cancellationToken);

    /// <summary>Findings, newest first, filtered by state, kind and operation.</summary>
    public async Task<IReadOnlyList<StoredRegression>> ListAsync(string? state, string? kind, string? operationId, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var where = new List<string>();
        if (state is not null)
        {
            where.Add("r.state = @state");
        }

        if (kind is not null)
        {
            where.Add("r.kind = @kind");
        }

        if (operationId is not null)
        {
            where.Add("r.operation_id = @operationId");
        }

        var filter = where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM regressions r JOIN operations o ON o.id = r.operation_id{filter} ORDER BY r.detected_at DESC, r.id DESC LIMIT @limit",
            new { state, kind, operationId, limit = (long)Math.Min(limit, int.MaxValue) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToStored())];
    }

    /// <summary>Deletes resolved regressions and improvements detected before <paramref name="beforeMs"/>; returns how many.</summary>
    public async Task<int> DeleteFinishedBeforeAsync(long beforeMs, CancellationToken cancellationToken = default)
    {
        await using var work = await _database.BeginAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM regressions WHERE state <> 'open' AND detected_at < @beforeMs", new { beforeMs }, work.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
    }

    private sealed class Row
    {
        public string Id { get; set; } = "";

        public string OperationId { get; set; } = "";

        public string Kind { get; set; } = "";

        public string Measure { get; set; } = "";

        public string State { get; set; } = "";

        public long StartedAtMs { get; set; }

        public long DetectedAtMs { get; set; }

        public long? ResolvedAtMs { get; set; }

        public double BeforeMs { get; set; }

        public double AfterMs { get; set; }

        public double ChangePercent { get; set; }

        public double? BaselineMs { get; set; }

        public double? BaselineChangePercent { get; set; }

        public double Confidence { get; set; }

        public long BlockMinutes { get; set; }

        public string? VersionsBefore { get; set; }

        public string? VersionsAfter { get; set; }

        public string OperationName { get; set; } = "";

        public string OperationKind { get; set; } = "";

        public string? Service { get; set; }

        public StoredRegression ToStored() => new(Id, OperationId, Kind, Measure, State, StartedAtMs, DetectedAtMs, ResolvedAtMs, BeforeMs, AfterMs, ChangePercent,
            BaselineMs, BaselineChangePercent, Confidence, (int)BlockMinutes, VersionsBefore, VersionsAfter)
        {
            OperationName = OperationName,
            OperationKind = OperationKind,
            Service = Service,
        };
    }
}

/// <summary>A step found in an operation's durations, as stored.</summary>
/// <param name="Id">Its id.</param>
/// <param name="OperationId">The operation.</param>
/// <param name="Kind"><c>regression</c> (slower) or <c>improvement</c> (faster).</param>
/// <param name="Measure"><c>p50</c>, <c>p95</c> or <c>avg</c>: the duration the step was found in.</param>
/// <param name="State"><c>open</c> or <c>resolved</c> for a regression; <c>recorded</c> for an improvement.</param>
/// <param name="StartedAtMs">When the step began (Unix ms).</param>
/// <param name="DetectedAtMs">When it was found.</param>
/// <param name="ResolvedAtMs">When the operation was back (regressions), or null.</param>
/// <param name="BeforeMs">The measure before the step, ms.</param>
/// <param name="AfterMs">The measure after it when found, ms.</param>
/// <param name="ChangePercent">After against before, percent.</param>
/// <param name="BaselineMs">The baseline's value of the measure when found, or null.</param>
/// <param name="BaselineChangePercent">After against the baseline, percent, or null.</param>
/// <param name="Confidence">1 − the step test's corrected p-value.</param>
/// <param name="BlockMinutes">The block length the test used.</param>
/// <param name="VersionsBefore">The <c>version</c> labels seen before the step (comma-separated), or null.</param>
/// <param name="VersionsAfter">Those seen after it, or null.</param>
public sealed record StoredRegression(
    string Id, string OperationId, string Kind, string Measure, string State, long StartedAtMs, long DetectedAtMs, long? ResolvedAtMs,
    double BeforeMs, double AfterMs, double ChangePercent, double? BaselineMs, double? BaselineChangePercent, double Confidence, int BlockMinutes,
    string? VersionsBefore, string? VersionsAfter)
{
    /// <summary>The operation's name (read with the finding).</summary>
    public string OperationName { get; init; } = "";

    /// <summary>The operation's kind (read with the finding).</summary>
    public string OperationKind { get; init; } = "";

    /// <summary>The operation's service (read with the finding).</summary>
    public string? Service { get; init; }
}
