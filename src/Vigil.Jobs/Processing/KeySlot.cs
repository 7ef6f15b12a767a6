using Vigil.Jobs.Queue;
namespace Vigil.Jobs.Processing;

/// <summary>
/// The dispatcher's view of one concurrency key, across job types: how many of its jobs run, its
/// limit, and the claimed jobs that wait for one of its slots (their leases are renewed like those
/// of running jobs).
/// </summary>
internal sealed class KeySlot(string key, int limit)
{
    public string Key { get; } = key;

    public int Limit { get; set; } = limit;

    public int Running { get; set; }

    /// <summary>Whether the queue may hold more of its due jobs (false once a claim by key came back short).</summary>
    public bool MayHaveWork { get; set; } = true;

    public Queue<ClaimedJob> Held { get; } = new();

    /// <summary>How many more jobs of this key may be claimed: its limit plus <paramref name="maxHeld"/> waiting, less what it has.</summary>
    public int Room(int maxHeld) => Limit + maxHeld - Running - Held.Count;

    /// <summary>Nothing runs or waits and the queue has nothing due: the key can be forgotten.</summary>
    public bool Idle => Running == 0 && Held.Count == 0 && !MayHaveWork;
}
