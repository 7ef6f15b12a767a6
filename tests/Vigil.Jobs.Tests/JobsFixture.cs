using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Jobs.Configuration;
using Vigil.Jobs.Processing;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Retries;
using Vigil.Storage;
using Vigil.Testing;

namespace Vigil.Jobs.Tests;

/// <summary>A migrated database, a fake clock and a queue over them, for one test.</summary>
public abstract class JobsTestBase(StorageProvider provider) : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private TestDatabase _testDatabase = null!;

    protected StorageProvider Provider { get; } = provider;

    protected Database Database { get; private set; } = null!;

    protected FakeTimeProvider Time { get; } = new(T0);

    protected JobSignal Signal { get; } = new();

    protected JobsOptions Options { get; } = new()
    {
        DefaultRetry = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(10), Factor = 2, MaxDelay = TimeSpan.FromSeconds(60), MaxAttempts = 4, Jitter = 0 },
    };

    protected JobQueue Queue { get; private set; } = null!;

    /// <summary>The last migration applied before the test (a test of an upgrade starts from an older schema).</summary>
    private protected virtual int MigratedUpTo => int.MaxValue;

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(Provider);
        Database = new Database(_testDatabase.Options);
        await new Migrator(Database, [JobQueue.Migrations]).MigrateAsync(T0.ToUnixTimeMilliseconds(), MigratedUpTo);
        Queue = new JobQueue(Database, Options, Time, Signal);
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    private protected JobProcessor CreateProcessor(IEnumerable<IJobHandler> handlers, TimeProvider? time = null, JobsOptions? options = null, JobQueue? queue = null) =>
        new(queue ?? Queue, handlers, Microsoft.Extensions.Options.Options.Create(options ?? Options), time ?? Time, NullLogger<JobProcessor>.Instance);

    private protected Task<IReadOnlyList<ClaimedJob>> ClaimAsync(string owner, int total = 10, string type = "t", params string[] busy) =>
        Queue.ClaimAsync(owner, [new TypeClaim(type, total)], total, busy);
}

/// <summary>A handler that runs a delegate and counts runs per job.</summary>
internal sealed class TestHandler(string type, Func<JobContext, CancellationToken, ValueTask<JobOutcome>> handle) : IJobHandler
{
    public TestHandler(string type)
        : this(type, (_, _) => ValueTask.FromResult(JobOutcome.Succeeded))
    {
    }

    public string Type { get; } = type;

    public System.Collections.Concurrent.ConcurrentDictionary<long, int> Runs { get; } = new();

    public System.Collections.Concurrent.ConcurrentQueue<long> Order { get; } = new();

    public ValueTask<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        Runs.AddOrUpdate(context.Id, 1, (_, n) => n + 1);
        Order.Enqueue(context.Id);
        return handle(context, cancellationToken);
    }
}

internal static class ProcessorWaits
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Completes once the processor has stored at least <paramref name="count"/> outcomes, releases included.</summary>
    public static Task StoredAsync(this JobProcessor processor, long count) => StoredAsync([processor], count);

    /// <summary>Completes once the processors together have stored at least <paramref name="count"/> outcomes, releases included.</summary>
    public static Task StoredAsync(JobProcessor[] processors, long count) => UntilAsync(processors, () => processors.Sum(p => p.Stored) >= count);

    /// <summary>
    /// Completes once the processor has run at least <paramref name="count"/> jobs to an outcome (checked
    /// at each store): jobs handed back unrun (a full key's, a full processor's) do not count, as they do
    /// in <see cref="StoredAsync(JobProcessor, long)"/>, so use this to wait for keyed jobs. Outcomes not
    /// stored yet are stored by the next round trip or by <c>StopAsync</c>.
    /// </summary>
    public static Task CompletedAsync(this JobProcessor processor, long count) => UntilAsync([processor], () => processor.Completed >= count);

    /// <summary>Completes once <paramref name="reached"/> holds, checked at each store (not polled).</summary>
    private static async Task UntilAsync(JobProcessor[] processors, Func<bool> reached)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (reached())
            {
                done.TrySetResult();
            }
        }

        foreach (var processor in processors)
        {
            processor.OutcomesStored += Check;
        }

        try
        {
            Check();
            await done.Task.WaitAsync(Patience);
        }
        finally
        {
            foreach (var processor in processors)
            {
                processor.OutcomesStored -= Check;
            }
        }
    }
}
