namespace Vigil.Server.Queries;

/// <summary>
/// Marks an endpoint as a heavy read: <see cref="QueryGateMiddleware"/> runs it in a
/// <see cref="QueryGate"/> slot, under <see cref="QueryOptions.Timeout"/>.
/// </summary>
internal sealed class QueryLimitsMetadata
{
    public static readonly QueryLimitsMetadata Instance = new();

    private QueryLimitsMetadata()
    {
    }
}
