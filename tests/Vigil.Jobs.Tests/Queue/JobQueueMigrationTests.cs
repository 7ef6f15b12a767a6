using Vigil.Jobs.Queue;
using Vigil.Storage;

namespace Vigil.Jobs.Tests.Queue;

/// <summary>The queue's later migrations applied to a database that already holds jobs, once per provider.</summary>
public abstract class JobQueueMigrationTests(StorageProvider provider) : JobsTestBase(provider)
{
    private const int LastVersionBeforeKeyIndex = 11;

    private protected override int MigratedUpTo => LastVersionBeforeKeyIndex;

    [Fact]
    public async Task Migrate_KeyIndexOnQueueWithJobs_IndexBuiltAndKeyClaimTakesTheKeysJobsInOrder()
    {
        await Queue.EnqueueAsync([
            new JobRequest("a", "k-low", Priority: 3, ConcurrencyKey: "k"),
            new JobRequest("a", "k-high", Priority: 1, ConcurrencyKey: "k"),
            new JobRequest("a", "other", Priority: 0, ConcurrencyKey: "other"),
            new JobRequest("a", "none", Priority: 0)]);
        Assert.False(await IndexExistsAsync("ix_jobs_key_ready"));

        // Every later migration applies (Storage's own after 11 too, e.g. 0013 users).
        var later = Migrator.Migrations(Provider, [JobQueue.Migrations]).Count(m => m.Version > LastVersionBeforeKeyIndex);
        Assert.Equal(later, await new Migrator(Database, [JobQueue.Migrations]).MigrateAsync(T0.ToUnixTimeMilliseconds()));

        Assert.True(await IndexExistsAsync("ix_jobs_key_ready"));
        var (_, claimed) = await Queue.CompleteAndClaimAsync("w1", [], [], 0, ["k"], [new KeyClaim("k", 5, 5)], ["a"], recoverExpired: false);
        Assert.Equal(["k-high", "k-low"], claimed.Select(j => j.Payload));
        Assert.Equal(["none", "other"], (await Queue.ListAsync(JobState.Queued)).Select(j => j.Payload).Order());
    }

    private async Task<bool> IndexExistsAsync(string name)
    {
        await using var connection = await Database.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = Provider == StorageProvider.Postgres
            ? "SELECT count(*) FROM pg_indexes WHERE tablename = 'jobs' AND indexname = @name"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'jobs' AND name = @name";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "name";
        parameter.Value = name;
        command.Parameters.Add(parameter);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) == 1;
    }
}

public sealed class SqliteJobQueueMigrationTests() : JobQueueMigrationTests(StorageProvider.Sqlite);

public sealed class PostgresJobQueueMigrationTests() : JobQueueMigrationTests(StorageProvider.Postgres);
