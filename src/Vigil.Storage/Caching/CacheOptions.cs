using System.ComponentModel.DataAnnotations;

namespace Vigil.Storage.Caching;

/// <summary>
/// The cache layer's settings (section <c>Vigil:Cache</c>): whether it is on and its three
/// lifetimes. A write invalidates what it changes at once (on every node); the lifetimes bound
/// how long an entry lives when nothing changes it, and so how stale a copy can be if an
/// invalidation is ever lost.
/// </summary>
public sealed class CacheOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Cache";

    /// <summary>Gets or sets whether reads are cached; off, every read goes to the database (for measuring, or to rule the cache out).</summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Gets or sets the lifetime of <see cref="CacheTier.Short"/> entries: the rule and channel lists.</summary>
    /// <value>Defaults to 60 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Short { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the lifetime of <see cref="CacheTier.Medium"/> entries: the relay endpoints.</summary>
    /// <value>Defaults to 300 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Medium { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets or sets the lifetime of <see cref="CacheTier.Long"/> entries: the performance baselines (recomputed hourly).</summary>
    /// <value>Defaults to 600 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Long { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>The lifetime of a tier.</summary>
    public TimeSpan Of(CacheTier tier) => tier switch
    {
        CacheTier.Short => Short,
        CacheTier.Medium => Medium,
        _ => Long,
    };

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Medium < Short)
        {
            yield return new ValidationResult($"Vigil:Cache:Medium ({Medium}) is shorter than Vigil:Cache:Short ({Short}).", [nameof(Medium)]);
        }

        if (Long < Medium)
        {
            yield return new ValidationResult($"Vigil:Cache:Long ({Long}) is shorter than Vigil:Cache:Medium ({Medium}).", [nameof(Long)]);
        }
    }
}
