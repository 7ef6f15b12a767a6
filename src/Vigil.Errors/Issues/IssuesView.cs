using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Errors.Events;
using Vigil.Storage.Errors;

namespace Vigil.Errors.Issues;

/// <summary>
/// Error tracking as the dashboard reads it: a page of issues with their last two hours, one issue
/// with its kept events read back (the exception and frames, tags, routes, releases, timelines),
/// the issues of a trace, and the state change the API's <c>PATCH</c> makes (through the same
/// <see cref="ErrorIntake"/>, so the alerts resolve alike). Events are shown as stored: scrubbed,
/// with the user only as a hash (which pages do not show).
/// </summary>
public sealed class IssuesView
{
    /// <summary>The width of a bucket of an issue's recent counts: five minutes.</summary>
    public const long RecentBucketMs = 5 * MinuteMs;

    /// <summary>The buckets of an issue's recent counts: the two hours the counts per minute are kept.</summary>
    public const int RecentBuckets = (int)(ErrorRepository.MinutesKeptMs / RecentBucketMs);

    /// <summary>The most issues listed for one trace.</summary>
    public const int MaxIssuesPerTrace = 20;

    private const long MinuteMs = 60_000;
    private const int MaxTimelineBuckets = 48;
    private static readonly long[] TimelineUnitsMs = [MinuteMs, 5 * MinuteMs, 60 * MinuteMs, 6 * 60 * MinuteMs, 24 * 60 * MinuteMs, 7 * 24 * 60 * MinuteMs];
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);

    private readonly ErrorRepository _repository;
    private readonly ErrorIntake _intake;
    private readonly IOptions<ErrorOptions> _options;
    private readonly TimeProvider _time;

    internal IssuesView(ErrorRepository repository, ErrorIntake intake, IOptions<ErrorOptions> options, TimeProvider time)
    {
        _repository = repository;
        _intake = intake;
        _options = options;
        _time = time;
    }

    /// <summary>The issues <paramref name="query"/> asks for, each with its counts of the last two hours; <see cref="IssueListPage.Next"/> is the next page's offset.</summary>
    public async Task<IssueListPage> ListAsync(IssueQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = await _repository.ListAsync(query with { Limit = query.Limit + 1 }, cancellationToken).ConfigureAwait(false);
        var page = rows.Take(query.Limit).ToList();
        var fromMs = RecentFromMs();
        var minutes = (await _repository.MinutesAsync([.. page.Select(i => i.Id)], fromMs, cancellationToken).ConfigureAwait(false))
            .ToLookup(m => m.IssueId, StringComparer.Ordinal);
        return new IssueListPage(
            [.. page.Select(i => new IssueSummary(i, i.UsersAffected >= _options.Value.UsersPerIssue, Recent(fromMs, minutes[i.Id].Select(m => (m.MinuteMs, m.Events)))))],
            rows.Count > query.Limit ? query.Offset + query.Limit : null);
    }

    /// <summary>The services that have issues (the list's filter choices).</summary>
    public Task<IReadOnlyList<string>> ServicesAsync(CancellationToken cancellationToken = default) => _repository.ServicesAsync(cancellationToken);

    /// <summary>One issue with its kept events read back, or null when there is none.</summary>
    public async Task<IssueDetail?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (await _repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } issue)
        {
            return null;
        }

        var kept = await _repository.KeptEventsAsync(issue.Id, _options.Value.EventsPerIssue, cancellationToken).ConfigureAwait(false);
        var events = kept.Select(k => Read(k.Payload) is { } error ? new IssueEventView(k.EventId, DateTimeOffset.FromUnixTimeMilliseconds(k.ReceivedAtMs), k.Release, error) : null)
            .OfType<IssueEventView>().ToList();
        var fromMs = RecentFromMs();
        var minutes = await _repository.MinutesAsync([issue.Id], fromMs, cancellationToken).ConfigureAwait(false);
        return new IssueDetail(
            issue,
            issue.UsersAffected >= _options.Value.UsersPerIssue,
            Read(issue.LatestEvent),
            events,
            Recent(fromMs, minutes.Select(m => (m.MinuteMs, m.Events))),
            Timeline(kept.Select(k => k.ReceivedAtMs).ToList()),
            Counted(events.Select(e => e.Event.Transaction)),
            Counted(events.Select(e => e.Release)));
    }

    /// <summary>
    /// Sets an issue's state as <c>PATCH /api/v1/issues/{id}</c> does: resolved or ignored, its open
    /// alerts resolve. Null when there is no such issue.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> is not one of <see cref="IssueStates.All"/>.</exception>
    public Task<StoredIssue?> SetStateAsync(string id, string state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(state);
        if (!IssueStates.All.Contains(state))
        {
            throw new ArgumentException($"'{state}' is not an issue state.", nameof(state));
        }

        return _intake.SetStateAsync(id, state, cancellationToken);
    }

    /// <summary>The issues with a kept event in a trace (32 hex digits), the latest seen first; none for anything else.</summary>
    public Task<IReadOnlyList<StoredIssue>> ForTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        return _repository.ForTraceAsync(traceId.ToLowerInvariant(), MaxIssuesPerTrace, cancellationToken);
    }

    private long RecentFromMs()
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return nowMs - (nowMs % RecentBucketMs) + RecentBucketMs - ErrorRepository.MinutesKeptMs; // the current bucket is the last
    }

    internal static EventTimeline Recent(long fromMs, IEnumerable<(long MinuteMs, long Events)> minutes)
    {
        var counts = new long[RecentBuckets];
        foreach (var (minuteMs, events) in minutes)
        {
            var bucket = (minuteMs - fromMs) / RecentBucketMs;
            if (bucket is >= 0 and < RecentBuckets)
            {
                counts[bucket] += events;
            }
        }

        return new EventTimeline(DateTimeOffset.FromUnixTimeMilliseconds(fromMs), TimeSpan.FromMilliseconds(RecentBucketMs), counts);
    }

    /// <summary>The kept events per bucket from the oldest to the latest, in the smallest unit (a minute to a week) that needs at most 48 buckets.</summary>
    internal static EventTimeline? Timeline(IReadOnlyList<long> receivedMs)
    {
        if (receivedMs.Count == 0)
        {
            return null;
        }

        var (oldest, latest) = (receivedMs.Min(), receivedMs.Max());
        var unit = TimelineUnitsMs.FirstOrDefault(u => (latest / u) - (oldest / u) < MaxTimelineBuckets, TimelineUnitsMs[^1]);
        var last = latest / unit;
        var first = Math.Max(oldest / unit, last - MaxTimelineBuckets + 1);
        var counts = new long[last - first + 1];
        foreach (var at in receivedMs)
        {
            if (at / unit >= first)
            {
                counts[(at / unit) - first]++;
            }
        }

        return new EventTimeline(DateTimeOffset.FromUnixTimeMilliseconds(first * unit), TimeSpan.FromMilliseconds(unit), counts);
    }

    private static IReadOnlyList<NamedCount> Counted(IEnumerable<string?> names) =>
        [.. names.OfType<string>().Where(n => n.Length > 0).GroupBy(n => n, StringComparer.Ordinal)
            .Select(g => new NamedCount(g.Key, g.Count())).OrderByDescending(c => c.Count).ThenBy(c => c.Name, StringComparer.Ordinal)];

    private static ErrorEvent? Read(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<ErrorEvent>(payload, PayloadJson);
        }
        catch (JsonException)
        {
            return null; // an event stored by another version that this one cannot read: left out, not a broken page
        }
    }
}

/// <summary>A page of issues.</summary>
/// <param name="Issues">The issues, each with its last two hours.</param>
/// <param name="Next">The offset of the next page, or null on the last.</param>
public sealed record IssueListPage(IReadOnlyList<IssueSummary> Issues, int? Next);

/// <summary>An issue in a list.</summary>
/// <param name="Issue">The issue.</param>
/// <param name="UsersCapped">Whether its users count reached the cap (then it is a floor).</param>
/// <param name="Recent">Its events per five minutes over the last two hours.</param>
public sealed record IssueSummary(StoredIssue Issue, bool UsersCapped, EventTimeline Recent);

/// <summary>One issue read back for its page.</summary>
/// <param name="Issue">The issue.</param>
/// <param name="UsersCapped">Whether its users count reached the cap (then it is a floor).</param>
/// <param name="Latest">Its latest event, or null when it cannot be read.</param>
/// <param name="Events">Its kept events (the latest <c>Vigil:Errors:EventsPerIssue</c>), newest first.</param>
/// <param name="Recent">Its events per five minutes over the last two hours (exact).</param>
/// <param name="KeptTimeline">Its kept events per bucket, from the oldest kept to the latest; null without any.</param>
/// <param name="Routes">The routes or transactions of its kept events, the most frequent first.</param>
/// <param name="Releases">The releases of its kept events, the most frequent first.</param>
public sealed record IssueDetail(StoredIssue Issue, bool UsersCapped, ErrorEvent? Latest, IReadOnlyList<IssueEventView> Events, EventTimeline Recent,
    EventTimeline? KeptTimeline, IReadOnlyList<NamedCount> Routes, IReadOnlyList<NamedCount> Releases);

/// <summary>A kept event of an issue.</summary>
/// <param name="EventId">Its id.</param>
/// <param name="ReceivedAt">When Vigil received it.</param>
/// <param name="Release">Its release, or null.</param>
/// <param name="Event">The event as stored (scrubbed; the user only hashed).</param>
public sealed record IssueEventView(string EventId, DateTimeOffset ReceivedAt, string? Release, ErrorEvent Event);

/// <summary>Counts of events over time, in equal buckets.</summary>
/// <param name="From">The first bucket's start.</param>
/// <param name="Bucket">The width of a bucket.</param>
/// <param name="Counts">The events in each bucket, oldest first.</param>
public sealed record EventTimeline(DateTimeOffset From, TimeSpan Bucket, IReadOnlyList<long> Counts)
{
    /// <summary>The events in all buckets.</summary>
    public long Total => Counts.Sum();
}

/// <summary>A name and how many events carry it.</summary>
/// <param name="Name">The name (a route, a release).</param>
/// <param name="Count">The events.</param>
public sealed record NamedCount(string Name, int Count);
