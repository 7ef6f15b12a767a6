using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Vigil.Notifications.Privacy;

/// <summary>Validates <see cref="PrivacyOptions"/>: every extra pattern is a regular expression, every dropped label a name, the timeout in range.</summary>
internal sealed class PrivacyOptionsValidator : IValidateOptions<PrivacyOptions>
{
    public ValidateOptionsResult Validate(string? name, PrivacyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.MatchTimeout < PrivacyOptions.MinMatchTimeout || options.MatchTimeout > PrivacyOptions.MaxMatchTimeout)
        {
            builder.AddError($"{PrivacyOptions.SectionName}:MatchTimeout must be between {PrivacyOptions.MinMatchTimeout} and {PrivacyOptions.MaxMatchTimeout}; it was {options.MatchTimeout}.");
        }

        for (int i = 0; i < options.Patterns.Count; i++)
        {
            string pattern = options.Patterns[i];
            if (string.IsNullOrEmpty(pattern))
            {
                builder.AddError($"{PrivacyOptions.SectionName}:Patterns:{i} must not be empty.");
                continue;
            }

            try
            {
                _ = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                builder.AddError($"{PrivacyOptions.SectionName}:Patterns:{i} is not a valid regular expression ('{pattern}'): {ex.Message}");
            }
        }

        for (int i = 0; i < options.DroppedLabels.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.DroppedLabels[i]))
            {
                builder.AddError($"{PrivacyOptions.SectionName}:DroppedLabels:{i} must be a label name.");
            }
        }

        return builder.Build();
    }
}
