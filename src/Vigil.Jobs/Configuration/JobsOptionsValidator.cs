using Microsoft.Extensions.Options;
using Vigil.Jobs.Queue;

namespace Vigil.Jobs.Configuration;

/// <summary>
/// Validates what attributes cannot express: each configured type, and a heartbeat well inside
/// the lease so one late heartbeat does not lose the jobs.
/// </summary>
internal sealed class JobsOptionsValidator : IValidateOptions<JobsOptions>
{
    private readonly JobTypeOptionsAttributeValidator _types = new();

    public ValidateOptionsResult Validate(string? name, JobsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.HeartbeatInterval * 3 > options.LeaseDuration)
        {
            builder.AddError(
                $"JobsOptions.HeartbeatInterval ({options.HeartbeatInterval}) must be at most a third of JobsOptions.LeaseDuration ({options.LeaseDuration}), so a late heartbeat does not lose the lease.");
        }

        if (options.DefaultRetry is null)
        {
            builder.AddError("JobsOptions.DefaultRetry is required.");
        }

        if (options.DefaultType is null)
        {
            builder.AddError("JobsOptions.DefaultType is required.");
        }

        foreach (var (type, typeOptions) in options.Types ?? [])
        {
            if (string.IsNullOrWhiteSpace(type) || type.Length > JobRequest.MaxTypeLength)
            {
                builder.AddError($"JobsOptions.Types has a type name that is empty or longer than {JobRequest.MaxTypeLength} characters.");
                continue;
            }

            if (typeOptions is null)
            {
                builder.AddError($"JobsOptions.Types[{type}] is empty.");
                continue;
            }

            builder.AddResult(_types.Validate($"JobsOptions.Types[{type}]", typeOptions));
        }

        return builder.Build();
    }
}

/// <summary>Validates the ranges declared with data annotations on <see cref="JobsOptions"/> (source generated).</summary>
[OptionsValidator]
internal sealed partial class JobsOptionsAttributeValidator : IValidateOptions<JobsOptions>;

/// <summary>Validates the ranges declared on <see cref="JobTypeOptions"/> (source generated).</summary>
[OptionsValidator]
internal sealed partial class JobTypeOptionsAttributeValidator : IValidateOptions<JobTypeOptions>;
