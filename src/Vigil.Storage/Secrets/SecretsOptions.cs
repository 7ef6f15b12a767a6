using System.ComponentModel.DataAnnotations;

namespace Vigil.Storage.Secrets;

/// <summary>
/// The master key that encrypts the Data Protection key ring (configuration section
/// <c>Vigil:Secrets</c>). The ring lives in the database; the master key never does, so a copy of
/// the database alone decrypts no channel secret and signs no acknowledge link. The same section
/// holds the secrets that channels reference as <c>config:Name</c>.
/// </summary>
public sealed class SecretsOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Secrets";

    /// <summary>
    /// The master key, base64 of 32 random bytes (<c>openssl rand -base64 32</c>), for instance
    /// from the environment variable <c>Vigil__Secrets__MasterKey</c>. When set, no key file is
    /// read or created; every process sharing a PostgreSQL database needs the same key.
    /// </summary>
    /// <value>null: the key file is used.</value>
    public string? MasterKey { get; set; }

    /// <summary>
    /// Where the master key is kept when <see cref="MasterKey"/> is not set; created at first start
    /// (owner-only permissions) when the key ring is not encrypted yet. Back it up, never with the database.
    /// </summary>
    /// <value>null: <c>vigil.key</c> beside the SQLite file, or <c>./data/vigil.key</c> with PostgreSQL.</value>
    public string? KeyFile { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MasterKey is not null && !Secrets.MasterKey.TryParse(MasterKey, "Vigil:Secrets:MasterKey", out _))
        {
            yield return new ValidationResult(
                "Vigil:Secrets:MasterKey must be the base64 of 32 bytes (generate one with: openssl rand -base64 32).", [nameof(MasterKey)]);
        }

        if (KeyFile is { } file && string.IsNullOrWhiteSpace(file))
        {
            yield return new ValidationResult("Vigil:Secrets:KeyFile must be a file path, or unset for the default.", [nameof(KeyFile)]);
        }
    }
}
