namespace Vigil.Storage.Errors;

/// <summary>An issue as stored (times in Unix milliseconds).</summary>
public sealed record StoredIssue
{
    /// <summary>Its id (<c>iss_</c> and 20 hex digits).</summary>
    public string Id { get; init; } = "";

    /// <summary>The fingerprint that groups its events (32 hex digits).</summary>
    public string Fingerprint { get; init; } = "";

    /// <summary>Its title: the exception's type and message, or the message.</summary>
    public string Title { get; init; } = "";

    /// <summary>Where it happened: the frame that threw, or the transaction.</summary>
    public string? Culprit { get; init; }

    /// <summary>The exception's type, or null.</summary>
    public string? ExceptionType { get; init; }

    /// <summary>The level of its latest event.</summary>
    public string Level { get; init; } = "";

    /// <summary>The service of its first event, or null.</summary>
    public string? Service { get; init; }

    /// <summary>unresolved, resolved or ignored (<see cref="IssueStates"/>).</summary>
    public string State { get; init; } = "";

    /// <summary>When it was resolved, or null.</summary>
    public long? ResolvedAtMs { get; init; }

    /// <summary>The release it was last seen in when resolved, or null.</summary>
    public string? ResolvedRelease { get; init; }

    /// <summary>How many events it had.</summary>
    public long EventCount { get; init; }

    /// <summary>How many distinct users (hashed) it affected, up to the cap.</summary>
    public long UsersAffected { get; init; }

    /// <summary>When its first event came.</summary>
    public long FirstSeenMs { get; init; }

    /// <summary>When its latest event came.</summary>
    public long LastSeenMs { get; init; }

    /// <summary>The release of its first event with one.</summary>
    public string? FirstRelease { get; init; }

    /// <summary>The release of its latest event with one.</summary>
    public string? LastRelease { get; init; }

    /// <summary>1 while its spike alert is open.</summary>
    public long Spiking { get; init; }

    /// <summary>Its latest event, whole (JSON).</summary>
    public string LatestEvent { get; init; } = "";
}

/// <summary>An issue's states.</summary>
public static class IssueStates
{
    /// <summary>New or seen again: alerts.</summary>
    public const string Unresolved = "unresolved";

    /// <summary>Fixed: a later event in another release (or any, without releases) regresses it.</summary>
    public const string Resolved = "resolved";

    /// <summary>Counted, never alerted on.</summary>
    public const string Ignored = "ignored";

    /// <summary>All three.</summary>
    public static readonly IReadOnlyList<string> All = [Unresolved, Resolved, Ignored];
}

/// <summary>An event to record into its issue.</summary>
/// <param name="Fingerprint">The issue's fingerprint.</param>
/// <param name="Title">The issue's title, when the event creates it.</param>
/// <param name="Culprit">The issue's culprit, when the event creates it.</param>
/// <param name="ExceptionType">The exception's type.</param>
/// <param name="Level">The event's level.</param>
/// <param name="Service">The service, when the event creates the issue.</param>
/// <param name="EventId">The event's id (32 hex digits).</param>
/// <param name="OccurredAtMs">When it happened, by the sender's clock.</param>
/// <param name="Release">Its release, or null.</param>
/// <param name="UserHash">Its user's hash, or null.</param>
/// <param name="Payload">The event, whole (JSON).</param>
public sealed record IssueEventWrite(string Fingerprint, string Title, string? Culprit, string? ExceptionType, string Level, string? Service,
    string EventId, long OccurredAtMs, string? Release, string? UserHash, string Payload);

/// <summary>The bounds on what error tracking keeps.</summary>
/// <param name="EventsPerIssue">The latest events kept per issue.</param>
/// <param name="MaxEvents">The events kept in all.</param>
/// <param name="UsersPerIssue">The distinct users counted per issue.</param>
public sealed record ErrorBounds(int EventsPerIssue, int MaxEvents, int UsersPerIssue);

/// <summary>What recording an event did.</summary>
/// <param name="Issue">Its issue, after the event.</param>
/// <param name="Duplicate">Whether the event was stored already (nothing changed).</param>
/// <param name="Created">Whether the event made a new issue.</param>
/// <param name="Regressed">Whether the event made a resolved issue unresolved.</param>
/// <param name="Minutes">The issue's events per minute over the last two hours.</param>
public sealed record RecordedEvent(StoredIssue Issue, bool Duplicate, bool Created, bool Regressed, IReadOnlyList<MinuteCount> Minutes);

/// <summary>Events of an issue in one minute.</summary>
public sealed record MinuteCount
{
    /// <summary>The minute's start, Unix milliseconds.</summary>
    public long MinuteMs { get; init; }

    /// <summary>The events in it.</summary>
    public long Events { get; init; }
}

/// <summary>Events of an issue in one minute, with the issue.</summary>
public sealed record IssueMinuteCount
{
    /// <summary>The issue's id.</summary>
    public string IssueId { get; init; } = "";

    /// <summary>The minute's start, Unix milliseconds.</summary>
    public long MinuteMs { get; init; }

    /// <summary>The events in it.</summary>
    public long Events { get; init; }
}

/// <summary>A kept event of an issue.</summary>
public sealed record KeptEvent
{
    /// <summary>Its id (32 hex digits).</summary>
    public string EventId { get; init; } = "";

    /// <summary>When Vigil received it, Unix milliseconds.</summary>
    public long ReceivedAtMs { get; init; }

    /// <summary>Its release, or null.</summary>
    public string? Release { get; init; }

    /// <summary>The event, whole (JSON).</summary>
    public string Payload { get; init; } = "";
}

/// <summary>Which issues to list.</summary>
/// <param name="State">Only this state, or all.</param>
/// <param name="Service">Only this service, or all.</param>
/// <param name="Release">Only issues first or last seen in this release, or all.</param>
/// <param name="Text">Only issues whose title or culprit contains this (any case), or all.</param>
/// <param name="Sort">The order.</param>
/// <param name="Limit">At most this many.</param>
/// <param name="Offset">After skipping this many.</param>
public sealed record IssueQuery(string? State, string? Service, string? Release, string? Text, IssueSort Sort, int Limit, int Offset);

/// <summary>How issues are ordered.</summary>
public enum IssueSort
{
    /// <summary>The latest seen first.</summary>
    LastSeen,

    /// <summary>The most events first.</summary>
    Count,

    /// <summary>The newest first.</summary>
    FirstSeen,
}
