using Microsoft.Extensions.Options;
using Vigil.Server.Queries;

namespace Vigil.Server.Tests.Queries;

/// <summary>
/// The query slots shared fairly between API keys, at the gate itself: who gets a freed slot
/// is decided when a slot is disposed, so each test frees slots and looks at which waits
/// completed (no clock, no timing).
/// </summary>
public sealed class QueryGateTests
{
    private static QueryGate Gate(int maxConcurrent, int maxQueued, int? perKey = null, int? queuedPerKey = null) =>
        new(Options.Create(new QueryOptions { MaxConcurrent = maxConcurrent, MaxQueued = maxQueued, MaxConcurrentPerKey = perKey, MaxQueuedPerKey = queuedPerKey }));

    [Fact]
    public async Task AcquireAsync_KeyASaturatesTheGate_KeyBIsServedBeforeAsQueuedQueries()
    {
        var gate = Gate(maxConcurrent: 2, maxQueued: 4, perKey: 2, queuedPerKey: 3);
        var a1 = await gate.AcquireAsync("A", CancellationToken.None);
        var a2 = await gate.AcquireAsync("A", CancellationToken.None);
        var aQueued1 = gate.AcquireAsync("A", CancellationToken.None).AsTask();
        var aQueued2 = gate.AcquireAsync("A", CancellationToken.None).AsTask();
        var bQueued = gate.AcquireAsync("B", CancellationToken.None).AsTask();
        Assert.Equal(3, gate.Queued);

        a1.Dispose();

        using var b = await bQueued;
        Assert.True(b.IsAcquired);
        Assert.False(aQueued1.IsCompleted);
        Assert.False(aQueued2.IsCompleted);
        Assert.Equal(2, gate.QueuedOf("A"));

        a2.Dispose();
        using var a3 = await aQueued1;
        Assert.True(a3.IsAcquired);
        Assert.False(aQueued2.IsCompleted);
        Assert.Equal(1, gate.Queued);
    }

    [Fact]
    public async Task AcquireAsync_TwoKeysWaiting_FreedSlotsAlternateBetweenThem()
    {
        var gate = Gate(maxConcurrent: 1, maxQueued: 6, perKey: 1, queuedPerKey: 3);
        var held = await gate.AcquireAsync("C", CancellationToken.None);
        var a = Enumerable.Range(0, 3).Select(_ => gate.AcquireAsync("A", CancellationToken.None).AsTask()).ToList();
        var b = Enumerable.Range(0, 3).Select(_ => gate.AcquireAsync("B", CancellationToken.None).AsTask()).ToList();
        var order = new List<string>();

        held.Dispose();
        for (var i = 0; i < 6; i++)
        {
            var next = await Task.WhenAny(a.Concat(b).Where(t => t.IsCompleted && !order.Contains(Name(t, a, b))));
            order.Add(Name(next, a, b));
            (await next).Dispose();
        }

        Assert.Equal(["A0", "B0", "A1", "B1", "A2", "B2"], order);
        Assert.Equal(0, gate.Running);
        Assert.Equal(0, gate.Queued);
    }

    [Fact]
    public async Task AcquireAsync_KeyAtItsCap_WaitsWhileAnotherKeyTakesTheFreeSlot()
    {
        // 2 slots, 1 per key by default (half the slots).
        var gate = Gate(maxConcurrent: 2, maxQueued: 4);
        using var a = await gate.AcquireAsync("A", CancellationToken.None);

        var aSecond = gate.AcquireAsync("A", CancellationToken.None).AsTask();
        using var b = await gate.AcquireAsync("B", CancellationToken.None);

        Assert.True(b.IsAcquired);
        Assert.False(aSecond.IsCompleted);
        Assert.Equal(1, gate.QueuedOf("A"));
        Assert.Equal(2, gate.Running);
    }

    [Fact]
    public async Task AcquireAsync_KeysQueueShareFull_RefusedWhileAnotherKeyStillQueues()
    {
        // 1 slot, a queue of 4: 2 per key by default.
        var gate = Gate(maxConcurrent: 1, maxQueued: 4);
        using var held = await gate.AcquireAsync("A", CancellationToken.None);
        var queued = new[] { gate.AcquireAsync("A", CancellationToken.None).AsTask(), gate.AcquireAsync("A", CancellationToken.None).AsTask() };

        using var refused = await gate.AcquireAsync("A", CancellationToken.None);
        var b = gate.AcquireAsync("B", CancellationToken.None).AsTask();

        Assert.False(refused.IsAcquired);
        Assert.Equal(QueryRefusal.KeyQueueFull, refused.Refusal);
        Assert.False(b.IsCompleted);
        Assert.Equal(3, gate.Queued);
        Assert.All(queued, q => Assert.False(q.IsCompleted));
    }

    [Fact]
    public async Task AcquireAsync_WholeQueueFull_RefusedAsQueueFull()
    {
        var gate = Gate(maxConcurrent: 1, maxQueued: 2, queuedPerKey: 2);
        using var held = await gate.AcquireAsync("A", CancellationToken.None);
        var queued = new[] { gate.AcquireAsync("B", CancellationToken.None).AsTask(), gate.AcquireAsync("C", CancellationToken.None).AsTask() };

        using var refused = await gate.AcquireAsync("D", CancellationToken.None);

        Assert.Equal(QueryRefusal.QueueFull, refused.Refusal);
        Assert.All(queued, q => Assert.False(q.IsCompleted));
    }

    [Fact]
    public async Task AcquireAsync_WaiterCancelled_LeavesTheQueueAndTheNextKeyGetsTheSlot()
    {
        var gate = Gate(maxConcurrent: 1, maxQueued: 4);
        var held = await gate.AcquireAsync("A", CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = gate.AcquireAsync("B", cancel.Token).AsTask();
        var waiting = gate.AcquireAsync("C", CancellationToken.None).AsTask();

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, gate.Queued);
        held.Dispose();

        using var c = await waiting;
        Assert.True(c.IsAcquired);
        Assert.Equal(1, gate.Running);
        Assert.Equal(0, gate.Queued);
    }

    [Fact]
    public async Task Dispose_Twice_FreesTheSlotOnce()
    {
        var gate = Gate(maxConcurrent: 2, maxQueued: 0, perKey: 2);
        var first = await gate.AcquireAsync("A", CancellationToken.None);
        using var second = await gate.AcquireAsync("A", CancellationToken.None);

        first.Dispose();
        first.Dispose();

        Assert.Equal(1, gate.Running);
    }

    private static string Name(Task<QueryGate.QuerySlot> task, List<Task<QueryGate.QuerySlot>> a, List<Task<QueryGate.QuerySlot>> b) =>
        a.IndexOf(task) is >= 0 and var i ? $"A{i}" : $"B{b.IndexOf(task)}";
}
