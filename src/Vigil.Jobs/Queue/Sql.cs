using System.Data.Common;

namespace Vigil.Jobs.Queue;

/// <summary>The two ADO.NET chores of the queue's and the schedules' hand-written SQL.</summary>
internal static class Sql
{
    /// <summary>A command on a connection, in a transaction when one is given.</summary>
    public static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>Adds a parameter (null as <see cref="DBNull"/>) and returns it.</summary>
    public static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }
}
