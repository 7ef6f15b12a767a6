namespace Vigil.Storage;

/// <summary>The database Vigil keeps its state in.</summary>
public enum StorageProvider
{
    /// <summary>Embedded SQLite (one process).</summary>
    Sqlite,

    /// <summary>PostgreSQL (one or more processes).</summary>
    Postgres,
}
