namespace Vigil.Jobs.Processing;

/// <summary>The dispatcher's view of one job type: its handler, its limit and what of it runs.</summary>
internal sealed class TypeSlot(string type, IJobHandler handler, int concurrency)
{
    public string Type { get; } = type;

    public IJobHandler Handler { get; } = handler;

    public int Concurrency { get; } = concurrency;

    public int Running { get; set; }

    /// <summary>Whether a claim by type may find more of its jobs (false once a claim came back short).</summary>
    public bool MayHaveWork { get; set; } = true;
}
