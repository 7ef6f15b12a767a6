using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// Validates the rules of <see cref="VigilClientOptions"/> that attributes cannot express:
/// the endpoint is required only while the client is enabled and must be an absolute HTTP(S) address;
/// trace source names, the release and the environment must be sendable.
/// </summary>
internal sealed class VigilClientOptionsValidator : IValidateOptions<VigilClientOptions>
{
    public ValidateOptionsResult Validate(string? name, VigilClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        var builder = new ValidateOptionsResultBuilder();
        if (options.Enabled)
        {
            if (options.Endpoint is null)
            {
                builder.AddError(
                    "VigilClientOptions.Endpoint is required: set it to the base address of the Vigil server "
                    + "(for example http://127.0.0.1:5080), in code or with the 'Endpoint' key of the configuration "
                    + "section given to AddVigilClient (usually 'Vigil:Endpoint'). Set Enabled to false to turn the client off.");
            }
            else if (!options.Endpoint.IsAbsoluteUri
                || (options.Endpoint.Scheme != Uri.UriSchemeHttp && options.Endpoint.Scheme != Uri.UriSchemeHttps))
            {
                builder.AddError(
                    $"VigilClientOptions.Endpoint must be an absolute http or https address such as http://127.0.0.1:5080; it was '{options.Endpoint.OriginalString}'.");
            }
        }

        if (options.RequestMetricName is not null && IngestRules.CheckMetricName(options.RequestMetricName) is { } problem)
        {
            builder.AddError($"VigilClientOptions.RequestMetricName '{options.RequestMetricName}' is not accepted by Vigil: {problem}.");
        }

        if (options.ServiceName is { } service && (service.Length == 0 || IngestRules.CheckLabel("service", service, MetricKind.Timing) is not null))
        {
            builder.AddError($"VigilClientOptions.ServiceName must be 1 to {IngestRules.MaxLabelValueLength} characters, or null to send no service label.");
        }

        if (options.ApiKey is { Length: > 0 } apiKey && apiKey.Any(char.IsWhiteSpace))
        {
            // Never echo the key itself.
            builder.AddError("VigilClientOptions.ApiKey must not contain white space; leave it empty to send no Authorization header.");
        }

        if (options.TraceSources?.FirstOrDefault(s => string.IsNullOrEmpty(s) || s.Any(char.IsWhiteSpace)) is { } source)
        {
            builder.AddError($"VigilClientOptions.TraceSources holds '{source}': an ActivitySource name must not be empty or contain white space.");
        }

        foreach (var (setting, value) in (ReadOnlySpan<(string, string?)>)[("Release", options.Release), ("Environment", options.Environment)])
        {
            if (value is not null && (value.Length is 0 or > ErrorEventWriter.MaxNameLength || value.Any(char.IsControl)))
            {
                builder.AddError($"VigilClientOptions.{setting} must be 1 to {ErrorEventWriter.MaxNameLength} characters without control characters, or null for the default.");
            }
        }

        return builder.Build();
    }
}

/// <summary>
/// Validates the ranges declared with data annotations on <see cref="VigilClientOptions"/> (source generated, no reflection).
/// </summary>
[OptionsValidator]
internal sealed partial class VigilClientOptionsAttributeValidator : IValidateOptions<VigilClientOptions>;
