using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;
using Vigil.Core;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Metrics;

/// <summary>
/// Reads rollup rows on SQLite through the SQLite library itself (the connection's handle), not
/// through ADO.NET. History reads are Vigil's largest (a rule's warm-up or backtest reads a
/// metric's rollups over two weeks and more: 715 000 rows on the detection corpus), and there
/// Microsoft.Data.Sqlite costs about 1 µs a row in per-column calls, and copies each sketch blob
/// into a byte array before Vigil copies it again: 1.4 s for those rows, 0.7 s read here, where the
/// blob is read in place (BENCHMARKS, "Reading history without ADO.NET"). PostgreSQL reads through Npgsql as ever.
/// </summary>
internal static class SqliteRollupReader
{
    private const int CancellationCheckRows = 4096;

    /// <summary>
    /// The rows of <paramref name="sql"/> (columns series id, minute, count, sum, min, max, last,
    /// last offset and bins, in that order), with <c>@name</c> (when given), <c>@fromMs</c> and
    /// <c>@toMs</c> bound. SQLite's own busy timeout (set when the connection opens) covers a
    /// locked database; an error is a <see cref="SqliteException"/>, as through ADO.NET.
    /// </summary>
    public static List<StoredRollup> Read(SqliteConnection connection, string sql, string? name, long fromMs, long toMs, CancellationToken cancellationToken)
    {
        var database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(database, sql, out var statement);
        SqliteException.ThrowExceptionForRC(rc, database);
        using (statement)
        {
            if (name is not null)
            {
                Check(raw.sqlite3_bind_text(statement, raw.sqlite3_bind_parameter_index(statement, "@name"), name), database);
            }

            Check(raw.sqlite3_bind_int64(statement, raw.sqlite3_bind_parameter_index(statement, "@fromMs"), fromMs), database);
            Check(raw.sqlite3_bind_int64(statement, raw.sqlite3_bind_parameter_index(statement, "@toMs"), toMs), database);
            var rows = new List<StoredRollup>();
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if (rows.Count % CancellationCheckRows == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                rows.Add(new StoredRollup(
                    raw.sqlite3_column_int64(statement, 0),
                    new Rollup(
                        raw.sqlite3_column_int64(statement, 1),
                        raw.sqlite3_column_int64(statement, 2),
                        Finite(statement, 3),
                        Finite(statement, 4),
                        Finite(statement, 5),
                        Finite(statement, 6),
                        raw.sqlite3_column_int(statement, 7),
                        raw.sqlite3_column_type(statement, 8) == raw.SQLITE_NULL ? null : MemoryMarshal.Cast<byte, uint>(raw.sqlite3_column_blob(statement, 8)).ToArray())));
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, database);
            }

            return rows;
        }
    }

    // As RollupRepository reads through ADO.NET: NULL (a NaN SQLite stored) as 0, ±Infinity as the nearest finite value.
    private static double Finite(sqlite3_stmt statement, int column) =>
        raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL ? 0 : FiniteValues.Finite(raw.sqlite3_column_double(statement, column));

    private static void Check(int rc, sqlite3 database)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, database);
        }
    }
}
