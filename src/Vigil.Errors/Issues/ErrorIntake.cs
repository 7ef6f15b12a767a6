using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Errors.Events;
using Vigil.Errors.Grouping;
using Vigil.Errors.Scrubbing;
using Vigil.Notifications.Privacy;
using Vigil.Storage.Errors;

namespace Vigil.Errors.Issues;

/// <summary>
/// Where every error event goes, whatever sent it: scrubbed (<see cref="Scrubber"/>), its user
/// replaced by a salted SHA-256 hash, grouped by its fingerprint (<see cref="Fingerprinter"/>)
/// into an issue and stored within the bounds (<see cref="ErrorOptions"/>); a new issue, a
/// regression and a spike are reported to the <see cref="IErrorAlertSink"/>. Changing an issue's
/// state (<see cref="SetStateAsync"/>) clears its alerts when it is resolved or ignored.
/// </summary>
internal sealed partial class ErrorIntake(ErrorRepository repository, IErrorAlertSink alerts, PiiScrubber pii, IOptions<ErrorOptions> options, TimeProvider time, ILogger<ErrorIntake> logger)
{
    private static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web);
    private byte[]? _salt;

    /// <summary>Records an event; returns what it did to its issue.</summary>
    public async Task<RecordedEvent> RecordAsync(ErrorEvent error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(error);
        var scrubbed = Scrubber.Scrub(error, pii) with { User = null, UserHash = error.User is { Length: > 0 } user ? await HashAsync(user, cancellationToken).ConfigureAwait(false) : error.UserHash };
        var fingerprint = Fingerprinter.Of(scrubbed);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var write = new IssueEventWrite(fingerprint, Limits.Clip(TitleOf(scrubbed), Limits.Name)!, CulpritOf(scrubbed), scrubbed.ExceptionType, scrubbed.Level, scrubbed.Service,
            scrubbed.EventId, scrubbed.TimestampMs, scrubbed.Release, scrubbed.UserHash, JsonSerializer.Serialize(scrubbed, PayloadJson));
        var settings = options.Value;
        var recorded = await repository.RecordAsync(write, nowMs, new ErrorBounds(settings.EventsPerIssue, settings.MaxEvents, settings.UsersPerIssue),
            issue => Regresses(issue, scrubbed.Release), cancellationToken).ConfigureAwait(false);
        if (recorded.Duplicate)
        {
            return recorded;
        }

        var issue = recorded.Issue;
        if (recorded.Created)
        {
            LogNewIssue(logger, issue.Id, issue.Title);
            await ReportAsync(new ErrorCondition(ErrorCondition.NewIssueRuleId, ErrorCondition.GroupOf(issue), true,
                $"New issue{In(issue)}: {issue.Title}{At(issue)}", 1, 0), cancellationToken).ConfigureAwait(false);
        }

        if (recorded.Regressed)
        {
            await ReportAsync(new ErrorCondition(ErrorCondition.RegressionRuleId, ErrorCondition.GroupOf(issue), true,
                $"Regressed{In(issue)}: {issue.Title}{At(issue)}, seen again{(scrubbed.Release is { } release ? " in release " + release : "")} after it was resolved", 1, 0), cancellationToken).ConfigureAwait(false);
        }

        if (issue.State != IssueStates.Ignored)
        {
            var (holds, recent, threshold) = SpikeRule.Judge(issue, recorded.Minutes, nowMs, settings);
            if (holds != (issue.Spiking == 1))
            {
                await repository.SetSpikingAsync(issue.Id, holds, cancellationToken).ConfigureAwait(false);
                await ReportAsync(Spike(issue, holds, recent, threshold), cancellationToken).ConfigureAwait(false);
            }
        }

        return recorded;
    }

    /// <summary>Sets an issue's state; resolved or ignored, its open alerts resolve. Null when there is no such issue.</summary>
    public async Task<StoredIssue?> SetStateAsync(string id, string state, CancellationToken cancellationToken = default)
    {
        var before = await repository.GetAsync(id, cancellationToken).ConfigureAwait(false);
        var issue = await repository.SetStateAsync(id, state, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        if (issue is not null && before is not null && state != IssueStates.Unresolved && before.State == IssueStates.Unresolved)
        {
            var reason = $"The issue was {state}: {issue.Title}";
            foreach (var ruleId in ErrorCondition.RuleIds)
            {
                await ReportAsync(new ErrorCondition(ruleId, ErrorCondition.GroupOf(issue), false, reason, 0, 0), cancellationToken).ConfigureAwait(false);
            }
        }

        return issue;
    }

    /// <summary>Clears the spike alerts of issues whose spike is over (run every minute: a spike ends without events).</summary>
    public async Task<int> ClearSpikesAsync(CancellationToken cancellationToken = default)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var cleared = 0;
        foreach (var (issue, minutes) in await repository.SpikingAsync(nowMs, cancellationToken).ConfigureAwait(false))
        {
            var (holds, recent, threshold) = SpikeRule.Judge(issue, minutes, nowMs, options.Value);
            if (!holds)
            {
                await repository.SetSpikingAsync(issue.Id, false, cancellationToken).ConfigureAwait(false);
                await ReportAsync(Spike(issue, false, recent, threshold), cancellationToken).ConfigureAwait(false);
                cleared++;
            }
        }

        return cleared;
    }

    /// <summary>
    /// Whether an event in <paramref name="release"/> regresses a resolved issue: always when either
    /// has no release, else when the release differs from the one the issue was last seen in when it
    /// was resolved (Vigil does not order version strings: another release counts as newer).
    /// </summary>
    public static bool Regresses(StoredIssue issue, string? release)
    {
        ArgumentNullException.ThrowIfNull(issue);
        return issue.ResolvedRelease is null || release is null || !string.Equals(issue.ResolvedRelease, release, StringComparison.Ordinal);
    }

    /// <summary>An issue's title: the exception's type and message, or the message.</summary>
    public static string TitleOf(ErrorEvent error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.ExceptionType is { Length: > 0 } type)
        {
            return error.ExceptionValue is { Length: > 0 } value ? type + ": " + FirstLine(value) : type;
        }

        return error.Message is { Length: > 0 } message ? FirstLine(message) : "(no message)";
    }

    /// <summary>Where it happened: the innermost in-app frame (else the innermost), or the transaction.</summary>
    public static string? CulpritOf(ErrorEvent error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var frame = error.Frames.LastOrDefault(f => f.InApp) ?? error.Frames.LastOrDefault();
        var culprit = frame is null ? null
            : frame.Module is { Length: > 0 } module ? module + (frame.Function is { Length: > 0 } f ? " in " + f : "")
            : frame.Function is { Length: > 0 } function ? Fingerprinter.Normalise(function)
            : frame.FileName;
        return Limits.Clip(culprit ?? error.Transaction, Limits.Name);
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    private static string In(StoredIssue issue) => issue.Service is { Length: > 0 } service ? " in " + service : "";

    private static string At(StoredIssue issue) => issue.Culprit is { Length: > 0 } culprit ? " (" + culprit + ")" : "";

    private static ErrorCondition Spike(StoredIssue issue, bool holds, long recent, double threshold) =>
        new(ErrorCondition.SpikeRuleId, ErrorCondition.GroupOf(issue), holds,
            holds
                ? string.Create(CultureInfo.InvariantCulture, $"Spike{In(issue)}: {recent} events of {issue.Title} in the last 5 minutes (the threshold is {threshold:0.#})")
                : string.Create(CultureInfo.InvariantCulture, $"The spike of {issue.Title} is over: {recent} events in the last 5 minutes"),
            recent, threshold);

    private async Task ReportAsync(ErrorCondition condition, CancellationToken cancellationToken)
    {
        // The event is stored whatever happens to its alert: a failure to raise one is logged, not the sender's problem.
        try
        {
            await alerts.ReportAsync(condition, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAlertFailed(logger, ex, condition.RuleId);
        }
    }

    private async ValueTask<string> HashAsync(string user, CancellationToken cancellationToken)
    {
        var salt = _salt ??= Encoding.UTF8.GetBytes(await repository.SaltAsync(cancellationToken).ConfigureAwait(false));
        return Convert.ToHexStringLower(HMACSHA256.HashData(salt, Encoding.UTF8.GetBytes(user)));
    }

    [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "New error issue {IssueId}: {Title}")]
    private static partial void LogNewIssue(ILogger logger, string issueId, string title);

    [LoggerMessage(EventId = 1602, Level = LogLevel.Error, Message = "Could not report the {RuleId} condition to the alert engine")]
    private static partial void LogAlertFailed(ILogger logger, Exception exception, string ruleId);
}
