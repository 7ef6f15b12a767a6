using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Auth;

/// <summary>API key settings (configuration section <c>Vigil:Auth</c>).</summary>
public sealed class AuthOptions : IValidatableObject
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Auth";

    /// <summary>
    /// A key that always exists as an admin key (for automation and tests). At least 16
    /// characters when set.
    /// </summary>
    /// <value>null.</value>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>
    /// How many failed authentications (unknown or revoked keys) one client address may make
    /// per <see cref="FailureWindow"/> before its requests get 429 with <c>Retry-After</c>
    /// (a token bucket: the allowance comes back gradually over the window). IPv6 addresses
    /// count per /64.
    /// </summary>
    /// <value>10.</value>
    [Range(1, 1_000_000)]
    public int FailuresPerAddress { get; set; } = 10;

    /// <summary>The window of <see cref="FailuresPerAddress"/>.</summary>
    /// <value>1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(BootstrapAdminKey) && BootstrapAdminKey.Length < 16)
        {
            yield return new ValidationResult(
                "Vigil:Auth:BootstrapAdminKey must be at least 16 characters (or empty for none).", [nameof(BootstrapAdminKey)]);
        }
    }
}
