namespace Vigil.Storage.Caching;

/// <summary>Something that fills its cache entries at start-up, so the first reads after a start are hits.</summary>
public interface ICachePrewarm
{
    /// <summary>Loads the entries (a failure is logged; the first read loads them instead).</summary>
    ValueTask PrewarmAsync(CancellationToken cancellationToken);
}
