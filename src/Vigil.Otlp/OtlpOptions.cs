using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;

namespace Vigil.Otlp;

/// <summary>The OpenTelemetry (OTLP) receiver's settings (configuration section <c>Vigil:Otlp</c>).</summary>
public sealed class OtlpOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Otlp";

    /// <summary>The resource attribute that is always a label (as <c>service</c>), whatever <see cref="ResourceAttributes"/> says.</summary>
    public const string ServiceName = "service.name";

    /// <summary>
    /// The resource and scope attributes that become labels, and the label each becomes. Data
    /// point attributes are always labels; resource attributes (host, process, SDK, ...) would
    /// multiply the series, so only these are taken. A label name set to an empty string leaves
    /// that attribute out. <c>service.name</c> is always taken.
    /// </summary>
    /// <value><c>service.name</c> → <c>service</c>, <c>service.version</c> → <c>version</c>, <c>deployment.environment</c> → <c>env</c>.</value>
    public Dictionary<string, string> ResourceAttributes { get; set; } = new(StringComparer.Ordinal)
    {
        [ServiceName] = "service",
        ["service.version"] = "version",
        ["deployment.environment"] = "env",
    };

    /// <summary>
    /// The most cumulative series (sums and histograms sent with cumulative temporality) whose
    /// previous value is kept to turn the next one into an increment. A series idle for
    /// <see cref="CumulativeIdleTimeout"/> is forgotten first; past the bound, points of new
    /// cumulative series are refused (reported in <c>partial_success</c>).
    /// </summary>
    /// <value>100 000.</value>
    [Range(1, 10_000_000)]
    public int MaxCumulativeSeries { get; set; } = 100_000;

    /// <summary>How long the previous value of a cumulative series is kept without a new point.</summary>
    /// <value>1 hour.</value>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan CumulativeIdleTimeout { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Checks at start-up that every resource attribute maps to a label name Vigil accepts (or to "", left out).</summary>
internal sealed class OtlpOptionsValidator : IValidateOptions<OtlpOptions>
{
    public ValidateOptionsResult Validate(string? name, OtlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        foreach (var (attribute, label) in options.ResourceAttributes)
        {
            if (label.Length > 0 && !MetricNames.IsValidLabelName(label))
            {
                builder.AddError($"{OtlpOptions.Section}:{nameof(OtlpOptions.ResourceAttributes)}:{attribute} must be a label name (letters, digits, '_') or empty; it was '{label}'.");
            }
        }

        return builder.Build();
    }
}
