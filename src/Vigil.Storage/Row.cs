using System.Data.Common;
using System.Runtime.InteropServices;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Vigil.Storage;

/// <summary>
/// The current row of a query being read, by column position: how the repositories that read many
/// rows (rollups, the operations' hours and spans) map them, once for both databases. On SQLite
/// <see cref="ReadAsync"/> steps the statement through the SQLite library itself, on the
/// connection's handle: history reads are Vigil's largest (a rule's warm-up or backtest reads a
/// metric's rollups over two weeks and more, 715 000 rows on the detection corpus), and there
/// Microsoft.Data.Sqlite's data reader costs about 1 µs a row in per-column calls and copies each
/// blob into a new array before it is read (BENCHMARKS, "Reading history without ADO.NET").
/// PostgreSQL reads through Npgsql's data reader, with Dapper's parameters.
/// </summary>
internal abstract class Row
{
    private const int CancellationCheckRows = 4096;

    /// <summary>Whether the column is NULL.</summary>
    public abstract bool IsNull(int column);

    /// <summary>The column as an integer.</summary>
    public abstract long Int64(int column);

    /// <summary>The column as a floating-point number.</summary>
    public abstract double Double(int column);

    /// <summary>The column as text.</summary>
    public abstract string String(int column);

    /// <summary>
    /// The column as text, one string for each distinct text of the read: for ids that repeat row
    /// after row (an operation's id in each of its hours, blocks and days), which would otherwise be a
    /// new string per row (17 MB less in a steady-state analysis of 10 000 operations).
    /// </summary>
    public abstract string SharedString(int column);

    private Dictionary<string, string>? _shared; // made by the first SharedString of the read

    /// <summary>The string kept for <paramref name="text"/> in this read, kept first if new.</summary>
    private protected string Shared(ReadOnlySpan<char> text)
    {
        var lookup = (_shared ??= new(StringComparer.Ordinal)).GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(text, out var kept))
        {
            kept = text.ToString();
            _shared[kept] = kept;
        }

        return kept;
    }

    /// <summary>A blob column of packed sketch bins as the array Vigil keeps them in, or null.</summary>
    public abstract uint[]? Bins(int column);

    /// <summary>
    /// The rows of <paramref name="sql"/> on <paramref name="connection"/>, each mapped by
    /// <paramref name="map"/>; <paramref name="parameters"/> is an anonymous object as for Dapper
    /// (on SQLite each property is bound to the parameter <c>@</c> its name, when the statement has
    /// one: integers, floating-point numbers, text and null; a parameter of the statement that no
    /// property names is refused, as by Microsoft.Data.Sqlite). An error is the provider's exception.
    /// </summary>
    public static async Task<List<T>> ReadAsync<T>(DbConnection connection, string sql, object parameters, Func<Row, T> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(map);
        if (connection is SqliteConnection sqlite)
        {
            return StatementRow.Read(sqlite, sql, parameters, map, cancellationToken);
        }

        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var row = new ReaderRow(reader);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(map(row));
        }

        return rows;
    }

    /// <summary>The row a data reader is on (PostgreSQL, and SQLite inside a transaction of a <see cref="DbCommand"/>).</summary>
    internal sealed class ReaderRow(DbDataReader reader) : Row
    {
        public override bool IsNull(int column) => reader.IsDBNull(column);

        public override long Int64(int column) => reader.GetInt64(column);

        public override double Double(int column) => reader.GetDouble(column);

        public override string String(int column) => reader.GetString(column);

        public override string SharedString(int column) => Shared(reader.GetString(column));

        public override uint[]? Bins(int column) =>
            reader.IsDBNull(column) ? null : MemoryMarshal.Cast<byte, uint>(reader.GetFieldValue<byte[]>(column)).ToArray();
    }

    /// <summary>The row a SQLite statement is on, read through the SQLite library.</summary>
    private sealed class StatementRow(sqlite3_stmt statement) : Row
    {
        public override bool IsNull(int column) => raw.sqlite3_column_type(statement, column) == raw.SQLITE_NULL;

        public override long Int64(int column) => raw.sqlite3_column_int64(statement, column);

        public override double Double(int column) => raw.sqlite3_column_double(statement, column);

        public override string String(int column) => raw.sqlite3_column_text(statement, column).utf8_to_string();

        public override string SharedString(int column)
        {
            // The text's bytes as SQLite holds them (UTF-8), decoded onto the stack when short.
            var bytes = raw.sqlite3_column_blob(statement, column);
            var length = Encoding.UTF8.GetMaxCharCount(bytes.Length);
            if (length > 256)
            {
                return Shared(Encoding.UTF8.GetString(bytes));
            }

            Span<char> chars = stackalloc char[length];
            return Shared(chars[..Encoding.UTF8.GetChars(bytes, chars)]);
        }

        public override uint[]? Bins(int column) =>
            IsNull(column) ? null : MemoryMarshal.Cast<byte, uint>(raw.sqlite3_column_blob(statement, column)).ToArray();

        public static List<T> Read<T>(SqliteConnection connection, string sql, object parameters, Func<Row, T> map, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var database = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
            var rc = raw.sqlite3_prepare_v2(database, sql, out var statement);
            SqliteException.ThrowExceptionForRC(rc, database);
            using (statement)
            {
                var bound = 0;
                foreach (var property in parameters.GetType().GetProperties())
                {
                    var index = raw.sqlite3_bind_parameter_index(statement, "@" + property.Name);
                    if (index > 0)
                    {
                        Bind(statement, index, property.GetValue(parameters), database);
                        bound++;
                    }
                }

                if (bound < raw.sqlite3_bind_parameter_count(statement))
                {
                    // As Microsoft.Data.Sqlite refuses it: a parameter left unbound would read as NULL.
                    var names = Enumerable.Range(1, raw.sqlite3_bind_parameter_count(statement))
                        .Select(i => raw.sqlite3_bind_parameter_name(statement, i).utf8_to_string())
                        .Where(name => parameters.GetType().GetProperty(name.TrimStart('@', '$', ':')) is null);
                    throw new InvalidOperationException($"Must add values for the following parameters: {string.Join(", ", names)}");
                }

                var row = new StatementRow(statement);
                var rows = new List<T>();
                while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
                {
                    if (rows.Count % CancellationCheckRows == CancellationCheckRows - 1)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    rows.Add(map(row));
                }

                if (rc != raw.SQLITE_DONE)
                {
                    SqliteException.ThrowExceptionForRC(rc, database);
                }

                return rows;
            }
        }

        private static void Bind(sqlite3_stmt statement, int index, object? value, sqlite3 database)
        {
            var rc = value switch
            {
                null => raw.sqlite3_bind_null(statement, index),
                long number => raw.sqlite3_bind_int64(statement, index, number),
                int number => raw.sqlite3_bind_int64(statement, index, number),
                double number => raw.sqlite3_bind_double(statement, index, number),
                string text => raw.sqlite3_bind_text(statement, index, text),
                _ => throw new NotSupportedException($"A parameter of type {value.GetType().Name} is not bound here."),
            };
            if (rc != raw.SQLITE_OK)
            {
                SqliteException.ThrowExceptionForRC(rc, database);
            }
        }
    }
}
