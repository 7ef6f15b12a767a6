using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Core.Tests.Alerts;

public sealed class AlertLifecycleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private int _ids;

    private static AlertRule Rule => new()
    {
        Id = "slow",
        Name = "Slow endpoint",
        Metric = "http_request_duration_ms",
        Threshold = 1000,
        Severity = Severity.Warning,
        CooldownMinutes = 15,
        RepeatIntervalMinutes = 60,
        Channels = ["ops"],
        EscalationChannels = ["pager"],
    };

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void Evaluate_MetWithoutForSeconds_FiresAtOnceWithAFiringIntent()
    {
        var result = Evaluate(Rule, null, Met());

        var alert = result.Alert!;
        Assert.True(result.Created);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal([(null, AlertStatus.Pending), (AlertStatus.Pending, AlertStatus.Firing)], result.Transitions.Select(t => ((AlertStatus?)t.From, t.To)));
        var intent = Assert.Single(result.Intents);
        Assert.Equal(IntentKind.Firing, intent.Kind);
        Assert.Equal(["ops"], intent.Channels);
        Assert.Equal(1500, alert.Value);
        Assert.Equal("slow{route=\"/a\"}", alert.Fingerprint);
    }

    [Fact]
    public void Evaluate_ForSeconds_PendingUntilItElapses()
    {
        var rule = Rule with { ForSeconds = 120 };
        var first = Evaluate(rule, null, Met());
        var statusAtFirst = first.Alert!.Status;
        _time.Advance(TimeSpan.FromSeconds(60));
        var stillPending = Evaluate(rule, first.Alert, Met());
        _time.Advance(TimeSpan.FromSeconds(60));
        var firing = Evaluate(rule, first.Alert, Met());

        Assert.Equal(AlertStatus.Pending, statusAtFirst);
        Assert.Empty(first.Intents);
        Assert.False(stillPending.Changed);
        Assert.Equal(AlertStatus.Firing, firing.Alert!.Status);
        Assert.Equal(IntentKind.Firing, Assert.Single(firing.Intents).Kind);
    }

    [Fact]
    public void Evaluate_PendingThatClears_ResolvesWithoutNotifying()
    {
        var rule = Rule with { ForSeconds = 300 };
        var pending = Evaluate(rule, null, Met()).Alert;
        _time.Advance(TimeSpan.FromSeconds(30));

        var result = Evaluate(rule, pending, NotMet());

        Assert.Equal(AlertStatus.Resolved, result.Alert!.Status);
        Assert.Empty(result.Intents);
    }

    [Fact]
    public void Evaluate_NotEnoughData_ChangesNothing()
    {
        var alert = Evaluate(Rule, null, Met()).Alert;
        _time.Advance(TimeSpan.FromMinutes(5));

        var result = Evaluate(Rule, alert, new GroupEvaluation(Group, ConditionState.NotEnoughData, 3, 1000, 2, Recovered: false));

        Assert.False(result.Changed);
        Assert.Equal(AlertStatus.Firing, alert!.Status);
        Assert.Null(Evaluate(Rule, null, new GroupEvaluation(Group, ConditionState.NotEnoughData, null, 1000, 0, false)).Alert);
    }

    [Fact]
    public void Evaluate_ConditionClears_AutoResolvesWithAResolvedIntent()
    {
        var alert = Evaluate(Rule, null, Met()).Alert;
        _time.Advance(TimeSpan.FromMinutes(3));

        var result = Evaluate(Rule, alert, NotMet());

        Assert.Equal(AlertStatus.Resolved, alert!.Status);
        Assert.Equal(Now, alert.ResolvedAt);
        Assert.Equal(IntentKind.Resolved, Assert.Single(result.Intents).Kind);
    }

    [Fact]
    public void Evaluate_FlappingWithRecoveryThreshold_HoldsUntilPastIt()
    {
        var rule = Rule with { RecoveryThreshold = 800 };
        var alert = Evaluate(rule, null, Met()).Alert;

        var holding = Evaluate(rule, alert, new GroupEvaluation(Group, ConditionState.NotMet, 900, 1000, 10, Recovered: false));
        var resolved = Evaluate(rule, alert, new GroupEvaluation(Group, ConditionState.NotMet, 700, 1000, 10, Recovered: true));

        Assert.Empty(holding.Transitions);
        Assert.Equal(AlertStatus.Resolved, resolved.Alert!.Status);
    }

    [Fact]
    public void Evaluate_FlappingWithoutRecoveryThreshold_NewEpisodeWithinCooldownIsNotNotified()
    {
        var first = Evaluate(Rule, null, Met()).Alert;
        _time.Advance(TimeSpan.FromMinutes(2));
        Evaluate(Rule, first, NotMet());
        _time.Advance(TimeSpan.FromMinutes(2));

        var again = Evaluate(Rule, null, Met(), lastNotified: first!.LastNotifiedAt);
        var statusAgain = again.Alert!.Status;
        _time.Advance(TimeSpan.FromMinutes(20));
        Evaluate(Rule, again.Alert, NotMet());
        _time.Advance(TimeSpan.FromMinutes(1));
        var third = Evaluate(Rule, null, Met(), lastNotified: first.LastNotifiedAt);

        Assert.Equal(AlertStatus.Firing, statusAgain);
        Assert.Empty(again.Intents);
        Assert.Contains("cooldown", again.Transitions[^1].Note, StringComparison.Ordinal);
        Assert.Equal(IntentKind.Firing, Assert.Single(third.Intents).Kind);
    }

    [Fact]
    public void Tick_FiredWithinTheCooldown_StillFiringWhenItEnds_NotifiedThen_AndItsResolutionToo()
    {
        // A stream stopped two minutes after the last outage resolved: the new outage must page when
        // the cooldown ends (SPEC: a timer for the cooldown's end), not at the next repeat, an hour on.
        var first = Evaluate(Rule, null, Met()).Alert!;
        _time.Advance(TimeSpan.FromMinutes(2));
        Evaluate(Rule, first, NotMet());
        _time.Advance(TimeSpan.FromMinutes(2));
        var again = Evaluate(Rule, null, Met(), lastNotified: first.LastNotifiedAt).Alert!;
        _time.Advance(TimeSpan.FromMinutes(10));
        var beforeTheEnd = AlertLifecycle.Tick(Rule, again, Now, silenced: false);
        _time.Advance(TimeSpan.FromMinutes(1));
        var atTheEnd = AlertLifecycle.Tick(Rule, again, Now, silenced: false);
        _time.Advance(TimeSpan.FromMinutes(1));
        var next = AlertLifecycle.Tick(Rule, again, Now, silenced: false);
        var resolved = Evaluate(Rule, again, NotMet());

        Assert.False(beforeTheEnd.Changed);
        Assert.Equal(IntentKind.Firing, Assert.Single(atTheEnd.Intents).Kind);
        Assert.Equal("the cooldown ended", Assert.Single(atTheEnd.Transitions).Note);
        Assert.Equal(first.FiringSince!.Value.AddMinutes(15), again.LastNotifiedAt);
        Assert.False(next.Changed);
        Assert.Equal(IntentKind.Resolved, Assert.Single(resolved.Intents).Kind);
    }

    [Fact]
    public void Tick_FiredWithinTheCooldown_SilencedWhenItEnds_NothingSent()
    {
        var first = Evaluate(Rule, null, Met()).Alert!;
        _time.Advance(TimeSpan.FromMinutes(2));
        Evaluate(Rule, first, NotMet());
        var again = Evaluate(Rule, null, Met(), lastNotified: first.LastNotifiedAt).Alert!;
        _time.Advance(TimeSpan.FromMinutes(20));

        Assert.False(AlertLifecycle.Tick(Rule, again, Now, silenced: true).Changed);
        Assert.Equal(IntentKind.Firing, Assert.Single(AlertLifecycle.Tick(Rule, again, Now, silenced: false).Intents).Kind);
    }

    [Fact]
    public void Evaluate_Resolved_ReasonIsWhyItCleared_NotTheFiringEvidence()
    {
        var alert = Evaluate(Rule, null, Met() with { Reason = "evidence 22.1 (fires at 14)" }).Alert!;
        _time.Advance(TimeSpan.FromMinutes(5));

        Evaluate(Rule, alert, NotMet() with { Reason = "evidence 0.7 (clears under 7)" });

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal("evidence 0.7 (clears under 7)", alert.Reason);
    }

    [Fact]
    public void Tick_UnacknowledgedFiring_RepeatsThenEscalatesAfterTheSeverityCount()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;
        var kinds = new List<IntentKind>();
        for (var hour = 0; hour < 4; hour++)
        {
            _time.Advance(TimeSpan.FromMinutes(30));
            Assert.Empty(AlertLifecycle.Tick(Rule, alert, Now, silenced: false).Intents);
            _time.Advance(TimeSpan.FromMinutes(30));
            kinds.AddRange(AlertLifecycle.Tick(Rule, alert, Now, silenced: false).Intents.Select(i => i.Kind));
        }

        // Warning escalates after 3 repeats: two repeats, then the escalation, then a repeat as error.
        Assert.Equal([IntentKind.Repeat, IntentKind.Repeat, IntentKind.Escalated, IntentKind.Repeat], kinds);
        Assert.Equal(Severity.Error, alert.Severity);
        Assert.True(alert.Escalated);
        _time.Advance(TimeSpan.FromHours(1));
        var afterEscalation = AlertLifecycle.Tick(Rule, alert, Now, silenced: false);
        Assert.Equal(IntentKind.Escalated, Assert.Single(afterEscalation.Intents).Kind);
        Assert.Equal(Severity.Critical, alert.Severity);
        Assert.Equal(["ops", "pager"], afterEscalation.Intents[0].Channels);
    }

    [Theory]
    [InlineData(Severity.Info, 5)]
    [InlineData(Severity.Warning, 3)]
    [InlineData(Severity.Error, 2)]
    [InlineData(Severity.Critical, 1)]
    public void RepeatsBeforeEscalation_FollowsTheSeed(Severity severity, int repeats) =>
        Assert.Equal(repeats, AlertLifecycle.RepeatsBeforeEscalation(severity));

    [Fact]
    public void Acknowledge_StopsRepeatsAndEscalation()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;
        var ack = AlertLifecycle.Acknowledge(Rule, alert, Now, "alice", "looking", silenced: false);

        _time.Advance(TimeSpan.FromHours(10));
        var tick = AlertLifecycle.Tick(Rule, alert, Now, silenced: false);

        Assert.Equal(AlertStatus.Acknowledged, alert.Status);
        Assert.Equal("alice", alert.AcknowledgedBy);
        Assert.Equal(IntentKind.Acknowledged, Assert.Single(ack.Intents).Kind);
        Assert.Equal("alice", ack.Transitions[0].By);
        Assert.False(tick.Changed);
    }

    [Fact]
    public void Acknowledged_ConditionClears_ResolvesAndNotifies()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;
        AlertLifecycle.Acknowledge(Rule, alert, Now, "alice", null, silenced: false);

        var result = Evaluate(Rule, alert, NotMet());

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(IntentKind.Resolved, Assert.Single(result.Intents).Kind);
    }

    [Fact]
    public void Silence_NoIntentsUntilItEnds_ThenFiresAgain()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;
        AlertLifecycle.Silence(alert, Now, Now.AddMinutes(90), "bob", null);

        _time.Advance(TimeSpan.FromMinutes(61));
        var during = AlertLifecycle.Tick(Rule, alert, Now, silenced: false);
        _time.Advance(TimeSpan.FromMinutes(30));
        var after = AlertLifecycle.Tick(Rule, alert, Now, silenced: false);

        Assert.Empty(during.Intents);
        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Equal(IntentKind.Firing, Assert.Single(after.Intents).Kind);
    }

    [Fact]
    public void Silenced_ConditionClears_ResolvesQuietly()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;
        AlertLifecycle.Silence(alert, Now, Now.AddHours(1), "bob", null);

        var result = Evaluate(Rule, alert, NotMet());

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Null(alert.SilencedUntil);
        Assert.Equal(IntentKind.Resolved, Assert.Single(result.Intents).Kind);
    }

    [Fact]
    public void Evaluate_MatchedBySilence_StateChangesButNoIntent_ThenNotifiesOnceWhenItNoLongerMatches()
    {
        var result = Evaluate(Rule, null, Met(), silenced: true);
        var alert = result.Alert!;

        var stillSilenced = AlertLifecycle.Tick(Rule, alert, Now, silenced: true);
        var unsilenced = AlertLifecycle.Tick(Rule, alert, Now, silenced: false);

        Assert.Equal(AlertStatus.Firing, alert.Status);
        Assert.Empty(result.Intents);
        Assert.Empty(stillSilenced.Intents);
        Assert.Equal(IntentKind.Firing, Assert.Single(unsilenced.Intents).Kind);
    }

    [Fact]
    public void Resolve_ByHand_RecordsWhoAndNotifies()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;

        var result = AlertLifecycle.Resolve(Rule, alert, Now, "carol", "fixed the index", silenced: false);
        var again = AlertLifecycle.Resolve(Rule, alert, Now, "carol", null, silenced: false);

        Assert.Equal(AlertStatus.Resolved, alert.Status);
        Assert.Equal(("carol", "fixed the index"), (result.Transitions[0].By, result.Transitions[0].Note));
        Assert.Equal(IntentKind.Resolved, Assert.Single(result.Intents).Kind);
        Assert.False(again.Changed);
    }

    [Fact]
    public void Intents_IdempotencyKeysAreStablePerTransition()
    {
        var alert = Evaluate(Rule, null, Met()).Alert!;
        _time.Advance(TimeSpan.FromHours(1));
        var repeat = AlertLifecycle.Tick(Rule, alert, Now, silenced: false);

        Assert.Equal($"{alert.Id}:repeat:2", Assert.Single(repeat.Intents).IdempotencyKey);
    }

    private static LabelSet Group => LabelSet.From([new("route", "/a")]);

    private static GroupEvaluation Met() => new(Group, ConditionState.Met, 1500, 1000, 20, Recovered: false);

    private static GroupEvaluation NotMet() => new(Group, ConditionState.NotMet, 200, 1000, 20, Recovered: true);

    private LifecycleResult Evaluate(AlertRule rule, AlertInstance? open, GroupEvaluation outcome, DateTimeOffset? lastNotified = null, bool silenced = false) =>
        AlertLifecycle.Evaluate(rule, open, outcome, Now, lastNotified, silenced, () => $"a{++_ids}");
}
