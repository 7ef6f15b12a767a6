using System.Collections.Concurrent;
using System.Diagnostics;
using Vigil.Core;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Metrics;

namespace Vigil.Server.Alerts;

/// <summary>
/// Reads the stored 1-minute rollups a rule looks at: the history a backtest replays, and the
/// warm-up of the rules' memories (<see cref="RuleMemories"/>).
/// </summary>
internal sealed class RuleHistory(RollupRepository rollups)
{
    // Long ranges are read a day at a time, so a baseline never holds a week of rows at once.
    private static readonly long ChunkMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;
    private const long MinuteMs = 60_000;

    /// <summary>How many rollup rows <see cref="ReadAsync"/> reads for the same range, counting no further than <paramref name="limit"/>.</summary>
    public Task<long> CountAsync(AlertRule rule, long fromMs, long toMs, long limit, CancellationToken cancellationToken) =>
        rollups.CountMetricRowsAsync(rule.Metric, fromMs, toMs, limit, cancellationToken);

    /// <summary>The stored history of every series of the rule's metric that its matchers accept; the rollups' sketch bins only for a rule that reads a quantile (null otherwise).</summary>
    public async Task<IReadOnlyList<SeriesHistory>> ReadAsync(AlertRule rule, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var bySeries = new Dictionary<string, (LabelSet Labels, bool IsCounter, List<Rollup> Rollups)>(StringComparer.Ordinal);
        foreach (var (stored, rollup) in await rollups.ReadMetricAsync(rule.Metric, fromMs, toMs, rule.Aggregation.ReadsBins(), cancellationToken).ConfigureAwait(false))
        {
            if (!bySeries.TryGetValue(stored.Key, out var series))
            {
                var labels = LabelSet.ParseKeyLabels(stored.Key);
                if (!RuleEvaluator.Matches(labels, rule.Match))
                {
                    continue;
                }

                bySeries[stored.Key] = series = (labels, stored.Type == "counter", []);
            }

            series.Rollups.Add(rollup);
        }

        return [.. bySeries.Values.Select(s => new SeriesHistory(s.Labels, MetricSeries.IsErrorStatus(s.Labels["status"]), s.IsCounter, s.Rollups))];
    }

    /// <summary>
    /// Replays <paramref name="rule"/> up to <paramref name="toMs"/> from the stored rollups, a
    /// day at a time. With <paramref name="readAhead"/> (a backtest someone waits for) each day is
    /// read while the one before it is replayed (reading waits on the database, replaying on the
    /// CPU), so two days of history are held at once at most; without it (the engine's warm-ups,
    /// which run side by side already) one.
    /// </summary>
    public async Task AdvanceAsync(AlertRule rule, RuleReplay replay, long toMs, bool readAhead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(replay);
        if (await rollups.CountMetricRowsAsync(rule.Metric, replay.DoneMs + MinuteMs - replay.WindowMs, toMs, 1, cancellationToken).ConfigureAwait(false) == 0)
        {
            return; // nothing stored in the range (a new metric, a new installation): one query, not one a day
        }

        if (replay.DoneMs + MinuteMs > toMs)
        {
            return;
        }

        using var readsAhead = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunkEnd = ChunkEnd(replay.DoneMs, toMs);
        var reading = ReadAsync(rule, replay.DoneMs + MinuteMs - replay.WindowMs, chunkEnd, cancellationToken);
        while (true)
        {
            var series = await reading.ConfigureAwait(false);
            var doneMs = FloorDivision.Of(chunkEnd, MinuteMs) * MinuteMs; // as the replay will have it once it has this day
            var nextEnd = ChunkEnd(doneMs, toMs);
            var more = doneMs + MinuteMs <= toMs;
            var next = more && readAhead
                ? Task.Run(() => ReadAsync(rule, doneMs + MinuteMs - replay.WindowMs, nextEnd, readsAhead.Token), readsAhead.Token)
                : null;
            try
            {
                replay.Advance(series, chunkEnd, cancellationToken);
                Debug.Assert(replay.DoneMs == doneMs, "the next day is read from where the replay stops");
            }
            catch (Exception) when (next is not null)
            {
                // The day read ahead is not wanted any more: stop it and wait for it, so nothing
                // reads on after this call; its own failure (a cancellation) is not the one to report.
                await readsAhead.CancelAsync().ConfigureAwait(false);
                await next.ContinueWith(static read => _ = read.Exception, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                throw;
            }

            if (!more)
            {
                return;
            }

            (reading, chunkEnd) = (next ?? ReadAsync(rule, doneMs + MinuteMs - replay.WindowMs, nextEnd, cancellationToken), nextEnd);
        }
    }

    private static long ChunkEnd(long doneMs, long toMs) => Math.Min(toMs, doneMs + ChunkMs);
}

/// <summary>
/// The live <see cref="RuleMemory"/> of each rule the engine evaluates — its groups' seasonal
/// baselines and recent minutes — built when a rule is first evaluated (at start-up, on a new
/// evaluating process, after an edit that changes what it judges) by replaying the stored
/// rollups of its warm-up (<see cref="RuleMemory.WarmUp"/>: <c>baselineDays</c> for baseline
/// thresholds) in the background, then kept up to date by the evaluation itself. A rule whose
/// memory is still warming up is skipped by the passes (its alerts keep their state), so reading
/// weeks of rollups never holds up the evaluation of the other rules. A memory is used by the
/// engine's pass only (one thread at a time, under its lock).
/// </summary>
internal sealed partial class RuleMemories(RuleHistory history, MetricStore store, TimeProvider time, IHostApplicationLifetime lifetime, ILogger<RuleMemories> logger)
{
    /// <summary>
    /// The least time between two warm-ups of one rule for backfills, doubled at each (up to 32
    /// times): a sender that keeps sending old points must not make every rule read weeks again and again.
    /// </summary>
    public static readonly TimeSpan RewarmInterval = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The warm-up stops this long before now: the rollups of the last minutes may not be
    /// stored yet, and a minute replayed without its points would look like a traffic drop.
    /// </summary>
    public static readonly TimeSpan FlushMargin = TimeSpan.FromMinutes(2);

    /// <summary>How long a group no pass judged is remembered.</summary>
    public static readonly TimeSpan IdleGroupLifetime = TimeSpan.FromDays(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    /// <summary>The ids of the rules whose memory is kept; for tests.</summary>
    internal IReadOnlyList<string> RuleIds => [.. _entries.Keys];

    /// <summary>
    /// The memory of <paramref name="rule"/>, or null while it warms up: a new rule, or one whose
    /// edit changed what it judges, starts warming up from the stored rollups in the background.
    /// A rule with nothing to learn (a static threshold judged minute by minute alone) has its
    /// memory at once.
    /// </summary>
    public RuleMemory? TryGet(AlertRule rule)
    {
        var definition = RuleMemory.DefinitionOf(rule);
        var now = time.GetUtcNow();
        if (!_entries.TryGetValue(rule.Id, out var entry) || entry.Definition != definition)
        {
            // An edit supersedes a warm-up still reading the old definition's history: stop it.
            entry?.Stop();
            entry = Start(rule, definition, now, previous: null);
        }
        else if (entry.Memory.IsCompleted && Backfilled(rule, entry, now))
        {
            // Points were merged into the past it learnt from (history sent after it warmed up): learnt again, the old memory used
            // meanwhile, and kept if the new warm-up fails.
            var previous = entry.Memory.IsCompletedSuccessfully ? entry.Memory.Result : null;
            entry.Stop();
            entry = Start(rule, definition, now, previous, entry.Rewarms + 1);
            LogRewarming(rule.Id, rule.Metric);
        }
        else if (entry.Previous is not null && entry.Memory.IsCompletedSuccessfully)
        {
            _entries[rule.Id] = entry = entry with { Previous = null }; // warm again: the old memory goes
        }

        return entry.Memory.IsCompletedSuccessfully ? entry.Memory.Result : entry.Previous;
    }

    /// <summary>
    /// Whether points were merged into the part of its metric's past that <paramref name="rule"/>
    /// learnt from (older than the in-memory hour, within its warm-up) since its memory's warm-up
    /// began, none for <see cref="Backfill.SettleMs"/> (a backfill comes in many batches), and its
    /// last warm-up for a backfill is old enough (<see cref="RewarmInterval"/>, doubled at each).
    /// </summary>
    private bool Backfilled(AlertRule rule, Entry entry, DateTimeOffset now)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var interval = RewarmInterval * (1 << Math.Min(entry.Rewarms, 5));
        return RuleMemory.WarmUp(rule) is { } warmUp && warmUp > TimeSpan.Zero
            && store.LastBackfill(rule.Metric) is { } backfill
            && backfill.SettledSince(entry.StartedAt.ToUnixTimeMilliseconds(), nowMs)
            && backfill.NewestMs >= nowMs - (long)warmUp.TotalMilliseconds
            && now - entry.StartedAt >= interval;
    }

    private Entry Start(AlertRule rule, string definition, DateTimeOffset now, RuleMemory? previous, int rewarms = 0)
    {
        var memory = new RuleMemory(rule);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        var entry = new Entry(definition, RuleMemory.WarmUp(rule) > TimeSpan.Zero ? Task.Run(() => WarmUpAsync(rule, memory, previous, cancel.Token)) : Task.FromResult(memory), cancel, now, previous, rewarms);
        _entries[rule.Id] = entry;
        return entry;
    }

    /// <summary>Completes when the memory of rule <paramref name="ruleId"/> (asked for since its last edit) is warm; for tests.</summary>
    internal Task WhenWarmAsync(string ruleId) => _entries.TryGetValue(ruleId, out var entry) ? entry.Memory : Task.CompletedTask;

    /// <summary>
    /// Forgets the memory of rules that no longer exist and, at most once an hour, the groups no
    /// pass has judged for <see cref="IdleGroupLifetime"/> (their series are gone: a service
    /// renamed, a route removed), so memory does not grow with every group ever seen.
    /// </summary>
    public void Retain(IReadOnlyCollection<string> ruleIds)
    {
        foreach (var id in _entries.Keys.Where(id => !ruleIds.Contains(id)).ToList())
        {
            if (_entries.TryRemove(id, out var gone))
            {
                gone.Stop();
            }
        }

        var now = time.GetUtcNow();
        if (now - _lastSweep < TimeSpan.FromHours(1))
        {
            return;
        }

        _lastSweep = now;
        var cutoffMs = (now - IdleGroupLifetime).ToUnixTimeMilliseconds();
        foreach (var entry in _entries.Values)
        {
            if (entry.Memory.IsCompletedSuccessfully)
            {
                entry.Memory.Result.ForgetIdle(cutoffMs);
            }
        }
    }

    private async Task<RuleMemory> WarmUpAsync(AlertRule rule, RuleMemory memory, RuleMemory? previous, CancellationToken stopping)
    {
        var toMs = (time.GetUtcNow() - FlushMargin).ToUnixTimeMilliseconds();
        var replay = new RuleReplay(rule, memory, toMs - (long)RuleMemory.WarmUp(rule).TotalMilliseconds, long.MaxValue, TimeSpan.FromMinutes(1));
        var started = time.GetTimestamp();
        try
        {
            await history.AdvanceAsync(rule, replay, toMs, readAhead: false, stopping).ConfigureAwait(false);
            LogWarmedUp(rule.Id, memory.GroupCount, (long)time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            // The memory fills from live evaluations instead; baseline thresholds have not enough data meanwhile.
            // Warming up again after a backfill, the memory it had is kept instead.
            LogWarmUpFailed(ex, rule.Id);
            return previous ?? memory;
        }
        catch (OperationCanceledException)
        {
            // Shutting down, or the rule was edited or deleted: whatever was learnt is thrown away.
        }

        return memory;
    }

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "Rule {RuleId}: points of {Metric} were stored into the past it learnt from; warming up again")]
    private partial void LogRewarming(string ruleId, string metric);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Rule {RuleId}: memory warmed up from the stored rollups ({Groups} groups) in {ElapsedMs} ms")]
    private partial void LogWarmedUp(string ruleId, int groups, long elapsedMs);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Warming up rule {RuleId} from the stored rollups failed; its baselines fill from live evaluations instead")]
    private partial void LogWarmUpFailed(Exception exception, string ruleId);

    /// <summary>
    /// A rule's memory: warming up (or warm) since <paramref name="StartedAt"/>; <paramref name="Previous"/>
    /// is used while it warms up again after a backfill (the <paramref name="Rewarms"/>-th).
    /// </summary>
    private sealed record Entry(string Definition, Task<RuleMemory> Memory, CancellationTokenSource Cancel, DateTimeOffset StartedAt, RuleMemory? Previous, int Rewarms)
    {
        /// <summary>Stops the warm-up, if it still runs; the token source goes with the entry.</summary>
        public void Stop()
        {
            Cancel.Cancel();
            Memory.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Dispose(), Cancel, TaskScheduler.Default);
        }
    }
}
