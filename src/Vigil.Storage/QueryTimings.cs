namespace Vigil.Storage;

/// <summary>
/// How long each statement of one <see cref="Database"/> took, handed to one listener as it
/// finishes: on SQLite from the engine's own profile hook (the statement's run time, waits for the
/// write lock included), on PostgreSQL from Npgsql's <c>db.client.operation.duration</c> metric
/// of this database's data source. Vigil records them as <c>vigil_db_query_duration_ms</c>.
/// </summary>
public sealed class QueryTimings
{
    private Action<double>? _listener;

    /// <summary>Sets the one listener, called with each statement's duration in milliseconds on the thread that ran it; null stops.</summary>
    public void Listen(Action<double>? listener) => Volatile.Write(ref _listener, listener);

    internal void Record(double milliseconds)
    {
        if (Volatile.Read(ref _listener) is not { } listener || !double.IsFinite(milliseconds) || milliseconds < 0)
        {
            return;
        }

        try
        {
            listener(milliseconds);
        }
#pragma warning disable CA1031 // SQLite calls this from native code, where an exception would end the process.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
