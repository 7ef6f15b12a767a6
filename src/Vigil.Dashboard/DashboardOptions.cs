using System.ComponentModel.DataAnnotations;

namespace Vigil.Dashboard;

/// <summary>Settings of the dashboard (<c>Vigil:Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Vigil:Dashboard";

    /// <summary>Wrong passwords in a row that lock an account (ASP.NET Core Identity's default).</summary>
    [Range(1, 100)]
    public int MaxFailedSignIns { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A session ends after this long without a request (sliding).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The shortest password accepted.</summary>
    [Range(8, 128)]
    public int MinPasswordLength { get; set; } = 10;

    /// <summary>How often open pages ask for the alert banner and the bell (live updates).</summary>
    [Range(typeof(TimeSpan), "00:00:00.250", "00:01:00")]
    public TimeSpan LiveInterval { get; set; } = TimeSpan.FromSeconds(1);
}
