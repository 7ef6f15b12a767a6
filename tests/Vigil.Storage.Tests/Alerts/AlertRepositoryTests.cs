using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Alerting;

public abstract class AlertRepositoryTests(StorageProvider provider) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly AlertRule Rule = new() { Id = "slow", Name = "Slow", Metric = "lat", Threshold = 1000, Channels = ["ops"] };
    private static readonly LabelSet Group = LabelSet.From([new("route", "/a \"b\"")]);
    private TestDatabase _testDatabase = null!;
    private Database _database = null!;
    private AlertRepository _alerts = null!;
    private int _ids;

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(provider);
        _database = new Database(_testDatabase.Options);
        await new Migrator(_database).MigrateAsync(0);
        _alerts = new AlertRepository(_database);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task SaveAsync_FiringThenAcknowledged_RoundTripsAlertTransitionsAndIntents()
    {
        var fired = Fire();
        await _alerts.SaveAsync([fired]);
        var ack = AlertLifecycle.Acknowledge(Rule, fired.Alert!, T0.AddMinutes(1), "alice", "on it", silenced: false);
        await _alerts.SaveAsync([ack]);

        var stored = await _alerts.GetAsync(fired.Alert!.Id);
        var transitions = await _alerts.TransitionsAsync(fired.Alert.Id);
        var feed = await _alerts.IntentsAsync(10, unreadOnly: false);

        Assert.NotNull(stored);
        Assert.Equal(AlertStatus.Acknowledged, stored.Status);
        Assert.Equal("alice", stored.AcknowledgedBy);
        Assert.Equal(Group, stored.Group);
        Assert.Equal(1500, stored.Value);
        Assert.Equal(1, stored.Notifications);
        Assert.Equal(T0, stored.LastNotifiedAt);
        Assert.Equal([(null, AlertStatus.Pending), (AlertStatus.Pending, AlertStatus.Firing), (AlertStatus.Firing, AlertStatus.Acknowledged)],
            transitions.Select(t => ((AlertStatus?)t.From, t.To)));
        Assert.Equal("on it", transitions[^1].Note);
        Assert.Equal([IntentKind.Acknowledged, IntentKind.Firing], feed.Select(f => f.Intent.Kind));
        Assert.Equal(["ops"], feed[1].Intent.Channels);
        Assert.Single(await _alerts.OpenAsync());
    }

    [Fact]
    public async Task SaveAsync_SameIntentTwice_StoredOnce()
    {
        var fired = Fire();
        await _alerts.SaveAsync([fired]);

        await _alerts.SaveAsync([fired]);

        Assert.Single(await _alerts.IntentsAsync(10, unreadOnly: false));
    }

    [Fact]
    public async Task SaveAsync_SecondOpenAlertForAFingerprint_Refused()
    {
        await _alerts.SaveAsync([Fire()]);

        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => _alerts.SaveAsync([Fire()]));
        Assert.Single(await _alerts.OpenAsync());
    }

    [Fact]
    public async Task ListAsync_Filters_AndLastNotifiedSpansEpisodes()
    {
        var first = Fire();
        await _alerts.SaveAsync([first]);
        await _alerts.SaveAsync([AlertLifecycle.Resolve(Rule, first.Alert!, T0.AddMinutes(5), "bob", null, silenced: false)]);
        var second = Fire(T0.AddMinutes(10));
        await _alerts.SaveAsync([second]);

        var resolved = await _alerts.ListAsync(new AlertFilter(Status: AlertStatus.Resolved));
        var all = await _alerts.ListAsync(new AlertFilter(RuleId: "slow"));
        var none = await _alerts.ListAsync(new AlertFilter(Severity: Severity.Critical));
        var last = await _alerts.LastNotifiedAsync(0);

        Assert.Equal(first.Alert!.Id, Assert.Single(resolved).Id);
        Assert.Equal([second.Alert!.Id, first.Alert.Id], all.Select(a => a.Id));
        Assert.Empty(none);
        Assert.Equal(T0.AddMinutes(10), last[first.Alert.Fingerprint]);
    }

    [Fact]
    public async Task ListAsync_ByGroupLabels_MatchesWholeValuesOnly_IntentsOfOneAlert()
    {
        var quoted = Fire();
        await _alerts.SaveAsync([quoted]);
        LifecycleResult FireFor(string route, string service, string id) => AlertLifecycle.Evaluate(
            Rule, null, new GroupEvaluation(LabelSet.From([new("route", route), new("service", service)]), ConditionState.Met, 1500, 1000, 20, false), T0, null, false, () => id);
        var api = FireFor("/orders", "api", "api-orders");
        await _alerts.SaveAsync([api, FireFor("/orders", "api2", "api2-orders"), FireFor("/orders/1", "api", "api-order")]);

        Dictionary<string, string> Only(params (string Name, string Value)[] labels) => labels.ToDictionary(l => l.Name, l => l.Value);
        async Task<string[]> IdsAsync(Dictionary<string, string> labels) => [.. (await _alerts.ListAsync(new AlertFilter(Labels: labels))).Select(a => a.Id).Order(StringComparer.Ordinal)];

        Assert.Equal(["api-order", "api-orders"], await IdsAsync(Only(("service", "api"))));
        Assert.Equal(["api-orders"], await IdsAsync(Only(("service", "api"), ("route", "/orders"))));
        Assert.Equal(["api2-orders"], await IdsAsync(Only(("service", "api2"))));
        Assert.Empty(await IdsAsync(Only(("service", "API"))));
        Assert.Empty(await IdsAsync(Only(("service", "ap"))));
        Assert.Equal([quoted.Alert!.Id], await IdsAsync(Only(("route", "/a \"b\""))));
        Assert.Empty(await IdsAsync(Only(("route", "/a "))));

        var intents = await _alerts.IntentsOfAlertAsync("api-orders", T0.ToUnixTimeMilliseconds());
        Assert.Equal(["api-orders"], intents.Select(i => i.Intent.AlertId));
        Assert.Empty(await _alerts.IntentsOfAlertAsync("api-orders", T0.AddMinutes(1).ToUnixTimeMilliseconds()));
    }

    [Fact]
    public async Task MarkReadAsync_UnreadFeedShrinks()
    {
        await _alerts.SaveAsync([Fire()]);
        var entry = Assert.Single(await _alerts.IntentsAsync(10, unreadOnly: true));

        Assert.True(await _alerts.MarkReadAsync(entry.Id, 5));
        Assert.False(await _alerts.MarkReadAsync(entry.Id + 1000, 5));
        Assert.Empty(await _alerts.IntentsAsync(10, unreadOnly: true));
        Assert.Equal(5, Assert.Single(await _alerts.IntentsAsync(10, unreadOnly: false)).ReadAtMs);
    }

    [Fact]
    public async Task SaveAsync_ManyAlerts_EachChunkCommittedBeforeTheNextIsWritten()
    {
        var outbox = new RecordingOutbox(_alerts);
        var alerts = new AlertRepository(_database, outbox);
        var results = Enumerable.Range(0, 250)
            .Select(i => AlertLifecycle.Evaluate(Rule, null, new GroupEvaluation(LabelSet.From([new("route", $"/r{i}")]), ConditionState.Met, 1500, 1000, 20, false), T0, null, false, () => $"c{i}"))
            .ToList();

        await alerts.SaveAsync(results);

        // Each chunk's intents reach the outbox in its own transaction, after the chunks before it committed.
        Assert.Equal([(100, 0), (100, 100), (50, 200)], outbox.Calls);
        Assert.Equal(250, (await _alerts.OpenAsync()).Count);
    }

    private LifecycleResult Fire(DateTimeOffset? at = null) =>
        AlertLifecycle.Evaluate(Rule, null, new GroupEvaluation(Group, ConditionState.Met, 1500, 1000, 20, false), at ?? T0, null, false, () => $"a{++_ids}");
}

/// <summary>Records each call's intents and how many alerts other connections saw committed at that moment.</summary>
internal sealed class RecordingOutbox(AlertRepository committed) : INotificationOutbox
{
    public List<(int Intents, int CommittedAlerts)> Calls { get; } = [];

    public async Task EnqueueAsync(UnitOfWork work, IReadOnlyList<NotificationIntent> intents, CancellationToken cancellationToken) =>
        Calls.Add((intents.Count, (await committed.OpenAsync(cancellationToken)).Count));
}

public sealed class SqliteAlertRepositoryTests() : AlertRepositoryTests(StorageProvider.Sqlite);

public sealed class PostgresAlertRepositoryTests() : AlertRepositoryTests(StorageProvider.Postgres);
