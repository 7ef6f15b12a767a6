using System.ComponentModel.DataAnnotations;

namespace Vigil.Storage.Redis;

/// <summary>
/// The optional Redis server (configuration section <c>Vigil:Redis</c>). Vigil runs without one;
/// when a connection string is set, <c>/api/health/redis</c> checks it.
/// </summary>
public sealed class RedisOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Redis";

    /// <summary>A StackExchange.Redis configuration string, such as <c>127.0.0.1:6379,password=…</c>; null or empty: no Redis.</summary>
    /// <value>null.</value>
    public string? ConnectionString { get; set; }

    /// <summary>Whether a Redis server is configured.</summary>
    public bool Configured => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Configured)
        {
            yield break;
        }

        string? reason = null;
        try
        {
            if (StackExchange.Redis.ConfigurationOptions.Parse(ConnectionString!).EndPoints.Count == 0)
            {
                reason = "it names no server";
            }
        }
        catch (ArgumentException ex)
        {
            reason = ex.Message;
        }

        if (reason is not null)
        {
            yield return new ValidationResult($"Vigil:Redis:ConnectionString is not a Redis configuration string: {reason}", [nameof(ConnectionString)]);
        }
    }
}
