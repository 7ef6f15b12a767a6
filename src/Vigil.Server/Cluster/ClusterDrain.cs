namespace Vigil.Server.Cluster;

/// <summary>
/// Whether this process is draining: set once shutdown begins (SIGTERM), after which ingest calls
/// get 503 with <c>Retry-After</c> so the load balancer's retry lands on another node.
/// </summary>
internal sealed class ClusterDrain
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public void Begin() => _draining = true;
}
