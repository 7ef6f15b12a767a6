using System.ComponentModel.DataAnnotations;

namespace Vigil.Storage;

/// <summary>Where Vigil stores its state (configuration section <c>Vigil:Storage</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Storage";

    /// <summary>The database: <c>sqlite</c> or <c>postgres</c>.</summary>
    /// <value><see cref="StorageProvider.Sqlite"/>.</value>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// The ADO.NET connection string. Required for PostgreSQL; for SQLite it defaults to
    /// <c>Data Source=./data/vigil.db</c> (the folder is created).
    /// </summary>
    /// <value>null.</value>
    public string? ConnectionString { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new ValidationResult(
                "Vigil:Storage:ConnectionString is required when Vigil:Storage:Provider is postgres.",
                [nameof(ConnectionString)]);
        }
        else if (!string.IsNullOrWhiteSpace(ConnectionString) && Unparsable(Provider, ConnectionString) is { } reason)
        {
            yield return new ValidationResult(
                $"Vigil:Storage:ConnectionString is not a {Provider.ToString().ToLowerInvariant()} connection string: {reason}",
                [nameof(ConnectionString)]);
        }
    }

    private static string? Unparsable(StorageProvider provider, string connectionString)
    {
        try
        {
            _ = provider == StorageProvider.Postgres
                ? new Npgsql.NpgsqlConnectionStringBuilder(connectionString).ConnectionString
                : new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).ConnectionString;
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
        catch (FormatException ex)
        {
            return ex.Message;
        }
    }
}
