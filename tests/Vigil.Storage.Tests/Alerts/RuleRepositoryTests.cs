using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Alerts;

/// <summary>The rule repository's behaviour, run once per provider (see the subclasses below).</summary>
public abstract class RuleRepositoryTests(StorageProvider provider) : IAsyncLifetime
{
    private const long T0 = 1_790_000_000_000;
    private static readonly Dictionary<string, string> NoLabels = [];
    private static readonly string[] NoStrings = [];
    private TestDatabase _testDatabase = null!;
    private Database _database = null!;
    private RuleRepository _rules = null!;

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(provider);
        _database = new Database(_testDatabase.Options);
        await new Migrator(_database).MigrateAsync(T0);
        _rules = new RuleRepository(_database);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task InsertAsync_EveryField_ReadBackUnchanged()
    {
        var rule = FullRule("r1");

        var inserted = await _rules.InsertAsync(rule, T0);
        var read = await _rules.GetAsync("r1");

        Assert.NotNull(inserted);
        Assert.NotNull(read);
        AssertSameRule(rule, read.Rule);
        Assert.False(read.IsDefault);
        Assert.False(read.Overridden);
        Assert.Equal((1L, T0, T0), (read.Version, read.CreatedAtMs, read.UpdatedAtMs));
        AssertSameRule(rule, Assert.Single(await _rules.ListAsync()).Rule);
    }

    [Fact]
    public async Task InsertAsync_ExistingId_ReturnsNullAndKeepsTheFirst()
    {
        await _rules.InsertAsync(Static("r1", 10), T0);

        var second = await _rules.InsertAsync(Static("r1", 20), T0 + 1);

        Assert.Null(second);
        Assert.Equal(10, (await _rules.GetAsync("r1"))!.Rule.Threshold);
    }

    [Fact]
    public async Task GetAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await _rules.GetAsync("nope"));
    }

    [Fact]
    public async Task ListAsync_SeveralRules_OldestFirst()
    {
        await _rules.InsertAsync(Static("b", 1), T0 + 10);
        await _rules.InsertAsync(Static("a", 1), T0 + 20);
        await _rules.InsertAsync(Static("c", 1), T0);

        var listed = await _rules.ListAsync();

        Assert.Equal(["c", "b", "a"], listed.Select(r => r.Rule.Id).ToArray());
    }

    [Fact]
    public async Task UpdateAsync_ExistingRule_ReplacesItAndBumpsVersion()
    {
        await _rules.InsertAsync(Static("r1", 10), T0);

        var updated = await _rules.UpdateAsync(Static("r1", 20) with { Severity = Severity.Critical }, T0 + 5);

        Assert.NotNull(updated);
        Assert.Equal((20.0, Severity.Critical), (updated.Rule.Threshold!.Value, updated.Rule.Severity));
        Assert.Equal((2L, T0, T0 + 5), (updated.Version, updated.CreatedAtMs, updated.UpdatedAtMs));
        Assert.False(updated.Overridden);
        Assert.Equal(20, (await _rules.GetAsync("r1"))!.Rule.Threshold);
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ReturnsNullAndChangesNothing()
    {
        await _rules.InsertAsync(Static("r1", 10), T0);
        await _rules.UpdateAsync(Static("r1", 20), T0 + 1, expectedVersion: 1);

        var stale = await _rules.UpdateAsync(Static("r1", 30), T0 + 2, expectedVersion: 1);

        Assert.Null(stale);
        var stored = await _rules.GetAsync("r1");
        Assert.Equal((20.0, 2L), (stored!.Rule.Threshold!.Value, stored.Version));
    }

    [Fact]
    public async Task UpdateAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await _rules.UpdateAsync(Static("nope", 1), T0));
        Assert.Empty(await _rules.ListAsync());
    }

    [Fact]
    public async Task DeleteAsync_OwnRule_RemovesIt()
    {
        await _rules.InsertAsync(Static("r1", 10), T0);

        Assert.True(await _rules.DeleteAsync("r1", T0 + 1));
        Assert.False(await _rules.DeleteAsync("r1", T0 + 2));
        Assert.Null(await _rules.GetAsync("r1"));
        Assert.Empty(await _rules.ListAsync());

        // A user rule is gone for good: its id can be used again.
        Assert.NotNull(await _rules.InsertAsync(Static("r1", 5), T0 + 3));
    }

    [Fact]
    public async Task UpsertDefaultsAsync_FreshDatabase_InsertsThemAsDefaults()
    {
        var outcome = await _rules.UpsertDefaultsAsync([Static("d1", 1), Static("d2", 2)], T0);

        Assert.Equal(new DefaultRulesOutcome(2, 0, 0), outcome);
        var listed = await _rules.ListAsync();
        Assert.Equal(["d1", "d2"], listed.Select(r => r.Rule.Id).Order().ToArray());
        Assert.All(listed, r => Assert.True(r.IsDefault && !r.Overridden));
    }

    [Fact]
    public async Task UpsertDefaultsAsync_SameDefaultsAgain_ChangesNothing()
    {
        var defaults = new[] { FullRule("d1"), Static("d2", 2) };
        await _rules.UpsertDefaultsAsync(defaults, T0);

        var outcome = await _rules.UpsertDefaultsAsync(defaults, T0 + 1000);

        Assert.Equal(new DefaultRulesOutcome(0, 0, 0), outcome);
        Assert.All(await _rules.ListAsync(), r => Assert.Equal((1L, T0), (r.Version, r.UpdatedAtMs)));
    }

    [Fact]
    public async Task UpsertDefaultsAsync_ChangedDefaultNeverEdited_IsUpdated()
    {
        await _rules.UpsertDefaultsAsync([Static("d1", 1)], T0);

        var outcome = await _rules.UpsertDefaultsAsync([Static("d1", 99) with { Name = "New name" }], T0 + 1000);

        Assert.Equal(new DefaultRulesOutcome(0, 1, 0), outcome);
        var stored = await _rules.GetAsync("d1");
        Assert.Equal((99.0, "New name"), (stored!.Rule.Threshold!.Value, stored.Rule.Name));
        Assert.Equal((T0, T0 + 1000, false), (stored.CreatedAtMs, stored.UpdatedAtMs, stored.Overridden));
    }

    [Fact]
    public async Task UpsertDefaultsAsync_OverriddenDefault_IsNotOverwritten()
    {
        await _rules.UpsertDefaultsAsync([Static("d1", 1)], T0);
        var edited = await _rules.UpdateAsync(Static("d1", 50) with { Enabled = false }, T0 + 1);

        var outcome = await _rules.UpsertDefaultsAsync([Static("d1", 99)], T0 + 1000);

        Assert.True(edited!.IsDefault && edited.Overridden);
        Assert.Equal(new DefaultRulesOutcome(0, 0, 0), outcome);
        var stored = await _rules.GetAsync("d1");
        Assert.Equal((50.0, false, true, true), (stored!.Rule.Threshold!.Value, stored.Rule.Enabled, stored.IsDefault, stored.Overridden));
    }

    [Fact]
    public async Task UpsertDefaultsAsync_DeletedDefault_IsNotCreatedAgain()
    {
        await _rules.UpsertDefaultsAsync([Static("d1", 1), Static("d2", 2)], T0);
        Assert.True(await _rules.DeleteAsync("d1", T0 + 1));

        var outcome = await _rules.UpsertDefaultsAsync([Static("d1", 5), Static("d2", 2)], T0 + 1000);

        Assert.Equal(new DefaultRulesOutcome(0, 0, 0), outcome);
        Assert.Null(await _rules.GetAsync("d1"));
        Assert.Equal(["d2"], (await _rules.ListAsync()).Select(r => r.Rule.Id).ToArray());
        Assert.False(await _rules.DeleteAsync("d1", T0 + 2));
        Assert.Null(await _rules.UpdateAsync(Static("d1", 7), T0 + 3));
        Assert.Null(await _rules.InsertAsync(Static("d1", 7), T0 + 3));
    }

    [Fact]
    public async Task UpsertDefaultsAsync_DefaultNoLongerShipped_RetiredUnlessEdited()
    {
        await _rules.UpsertDefaultsAsync([Static("kept", 1), Static("gone", 2), Static("edited", 3)], T0);
        await _rules.UpdateAsync(Static("edited", 30), T0 + 1);

        var outcome = await _rules.UpsertDefaultsAsync([Static("kept", 1)], T0 + 1000);
        var again = await _rules.UpsertDefaultsAsync([Static("kept", 1)], T0 + 2000);

        Assert.Equal(new DefaultRulesOutcome(0, 0, 1), outcome);
        Assert.Equal(new DefaultRulesOutcome(0, 0, 0), again);
        Assert.Null(await _rules.GetAsync("gone"));
        Assert.Equal(["edited", "kept"], (await _rules.ListAsync()).Select(r => r.Rule.Id).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(30, (await _rules.GetAsync("edited"))!.Rule.Threshold);
    }

    [Fact]
    public async Task UpsertDefaultsAsync_ConcurrentStarts_InsertEachDefaultOnce()
    {
        var defaults = Enumerable.Range(0, 14).Select(i => Static($"d{i}", i)).ToArray();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _rules.UpsertDefaultsAsync(defaults, T0)));

        Assert.Equal(14, outcomes.Sum(o => o.Inserted));
        Assert.Equal(0, outcomes.Sum(o => o.Updated));
        Assert.Equal(14, (await _rules.ListAsync()).Count);
    }

    internal static AlertRule Static(string id, double threshold) => new()
    {
        Id = id,
        Name = $"Rule {id}",
        Metric = "http_request_duration_ms",
        Aggregation = Aggregation.P95,
        Threshold = threshold,
    };

    /// <summary>A rule with no field at its default value.</summary>
    internal static AlertRule FullRule(string id) => new()
    {
        Id = id,
        Name = "Slow generation \"quoted\" ✓",
        Type = "business",
        Metric = "job_execution_duration_ms",
        Match = new Dictionary<string, string> { ["job_id"] = "render", ["region"] = "eu" },
        GroupBy = ["job_id", "region"],
        Aggregation = Aggregation.ErrorRatePercent,
        WindowMinutes = 2.5,
        MinDataPoints = 7,
        ThresholdType = ThresholdType.Dynamic,
        Threshold = 0.1,
        BaselineMultiplier = 2.25,
        BaselineDays = 14,
        Comparison = Comparison.LessOrEqual,
        ForSeconds = 90,
        RecoveryThreshold = 1.5e-3,
        Severity = Severity.Info,
        CooldownMinutes = 45,
        RepeatIntervalMinutes = 0,
        Channels = ["ops", "dev"],
        EscalationChannels = ["pager"],
        Labels = new Dictionary<string, string> { ["team"] = "render" },
        RunbookUrl = "https://runbooks.example.com/slow?x=1",
        Enabled = false,
        UnlessUsual = true,
        TrimMinutes = 2,
    };

    internal static void AssertSameRule(AlertRule expected, AlertRule actual)
    {
        Assert.Equal(expected.Match.OrderBy(p => p.Key), actual.Match.OrderBy(p => p.Key));
        Assert.Equal(expected.Labels.OrderBy(p => p.Key), actual.Labels.OrderBy(p => p.Key));
        Assert.Equal(expected.GroupBy, actual.GroupBy);
        Assert.Equal(expected.Channels, actual.Channels);
        Assert.Equal(expected.EscalationChannels, actual.EscalationChannels);

        // The collections are compared above; the record compares the rest field by field.
        Assert.Equal(WithoutCollections(expected), WithoutCollections(actual));
    }

    private static AlertRule WithoutCollections(AlertRule rule) =>
        rule with { Match = NoLabels, Labels = NoLabels, GroupBy = NoStrings, Channels = NoStrings, EscalationChannels = NoStrings };
}

public sealed class SqliteRuleRepositoryTests() : RuleRepositoryTests(StorageProvider.Sqlite);

public sealed class PostgresRuleRepositoryTests() : RuleRepositoryTests(StorageProvider.Postgres);
