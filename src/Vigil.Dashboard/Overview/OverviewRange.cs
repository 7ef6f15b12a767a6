using System.Diagnostics.CodeAnalysis;

namespace Vigil.Dashboard.Overview;

/// <summary>A range the overview's charts cover (<c>?range=</c>), with the step that gives them a readable number of points.</summary>
/// <param name="Name">The URL value (<c>15m</c>, <c>1h</c>, ...).</param>
/// <param name="Label">What the picker shows.</param>
/// <param name="Duration">How far back the charts go.</param>
/// <param name="Step">The window of each point.</param>
public sealed record OverviewRange(string Name, string Label, TimeSpan Duration, TimeSpan Step)
{
    /// <summary>The ranges offered.</summary>
    public static IReadOnlyList<OverviewRange> All { get; } =
    [
        new("15m", "15 min", TimeSpan.FromMinutes(15), TimeSpan.FromSeconds(10)),
        new("1h", "1 h", TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)),
        new("6h", "6 h", TimeSpan.FromHours(6), TimeSpan.FromMinutes(5)),
        new("24h", "24 h", TimeSpan.FromHours(24), TimeSpan.FromMinutes(15)),
        new("7d", "7 d", TimeSpan.FromDays(7), TimeSpan.FromHours(1)),
    ];

    /// <summary>The range when the URL names none.</summary>
    public static OverviewRange Default => All[1];

    /// <summary>The range named <paramref name="name"/>; an absent or empty name is the default.</summary>
    public static bool TryParse(string? name, [NotNullWhen(true)] out OverviewRange? range)
    {
        range = string.IsNullOrEmpty(name) ? Default : All.FirstOrDefault(r => r.Name == name);
        return range is not null;
    }

    /// <summary>The step for an arbitrary range: about 60 to 120 points, a multiple of 10 s.</summary>
    public static TimeSpan StepFor(TimeSpan duration)
    {
        var exact = All.FirstOrDefault(r => r.Duration == duration);
        if (exact is not null)
        {
            return exact.Step;
        }

        var seconds = Math.Max(10, (long)Math.Ceiling(duration.TotalSeconds / 100 / 10) * 10);
        return TimeSpan.FromSeconds(seconds);
    }
}
