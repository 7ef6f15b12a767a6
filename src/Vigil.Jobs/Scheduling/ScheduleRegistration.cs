namespace Vigil.Jobs.Scheduling;

/// <summary>A schedule known to this process: its name and default cron expression (a DI singleton per schedule).</summary>
internal sealed record ScheduleRegistration(string Name, string DefaultCron);
