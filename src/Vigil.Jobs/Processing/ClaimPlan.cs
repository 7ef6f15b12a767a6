using Vigil.Jobs.Queue;
namespace Vigil.Jobs.Processing;

/// <summary>
/// What one step of the dispatcher claims: jobs by type for the free worker slots (at most
/// <paramref name="Total"/>, skipping the <paramref name="BusyKeys"/> the dispatcher already
/// tracks), and jobs by key for the keys that have room.
/// </summary>
internal sealed record ClaimPlan(IReadOnlyList<TypeClaim> Types, int Total, IReadOnlyList<string> BusyKeys, IReadOnlyList<KeyClaim> Keys)
{
    public static ClaimPlan None { get; } = new([], 0, [], []);

    public bool IsEmpty => Types.Count == 0 && Keys.Count == 0;
}
