using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Overview;

namespace Vigil.Dashboard.Pages;

/// <summary>
/// The overview (seed 002's performance dashboard): health, queue, request charts, job
/// performance, bottlenecks, resources, active alerts and the relay's counts, live.
/// </summary>
public sealed class IndexModel(OverviewReader reader, ResourceSampler resources) : PageModel
{
    /// <summary>The chosen range.</summary>
    public OverviewRange Range { get; private set; } = OverviewRange.Default;

    /// <summary>The problem with <c>range</c>, if any (the page is then a 400).</summary>
    public string? RangeError { get; private set; }

    /// <summary>The live part.</summary>
    public OverviewView View { get; private set; } = null!;

    /// <summary>The process's resources.</summary>
    public ResourceUsage Resources { get; private set; } = null!;

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync(string? range)
    {
        if (!OverviewRange.TryParse(range, out var parsed))
        {
            RangeError = OverviewChartEndpoints.RangeProblem;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            parsed = OverviewRange.Default;
        }

        Range = parsed;
        View = await reader.LoadAsync(Range, HttpContext.RequestAborted).ConfigureAwait(false);
        Resources = resources.Read();
    }
}
