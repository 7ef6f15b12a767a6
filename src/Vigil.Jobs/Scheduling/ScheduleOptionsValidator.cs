using Microsoft.Extensions.Options;

namespace Vigil.Jobs.Scheduling;

/// <summary>Validates a schedule's settings (the options name is the schedule name) at start-up, naming the bad setting.</summary>
internal sealed class ScheduleOptionsValidator : IValidateOptions<ScheduleOptions>
{
    public ValidateOptionsResult Validate(string? name, ScheduleOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(name))
        {
            return ValidateOptionsResult.Skip;
        }

        try
        {
            _ = CronSchedule.Parse(name, options);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException ex)
        {
            return ValidateOptionsResult.Fail(ex.Message);
        }
    }
}
