using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Core.Baselines;
using Vigil.Performance.Operations;
using Vigil.Performance.Regressions;
using Vigil.Storage.Performance;

namespace Vigil.Dashboard.Pages.Performance;

/// <summary>One operation: its last hour against its baseline, its 48-hour chart with the baseline band and its regressions, its baselines and findings.</summary>
public sealed class OperationModel(OperationsView operations, RegressionRepository regressions, TimeProvider time) : PageModel
{
    /// <summary>The operation in detail.</summary>
    public OperationDetail Detail { get; private set; } = null!;

    /// <summary>Its regressions and improvements, newest first.</summary>
    public IReadOnlyList<RegressionView> Findings { get; private set; } = [];

    /// <summary>The hour of the week now (UTC), whose baseline the last hour is compared with.</summary>
    public int HourOfWeekNow { get; private set; }

    /// <summary>Reads the operation; 404 for an unknown id.</summary>
    public async Task<IActionResult> OnGetAsync(string? id)
    {
        var cancellationToken = HttpContext.RequestAborted;
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || await operations.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } detail)
        {
            return NotFound();
        }

        Detail = detail;
        Findings = [.. (await regressions.ListAsync(null, null, id, 50, cancellationToken).ConfigureAwait(false)).Select(RegressionView.Of)];
        HourOfWeekNow = HourOfWeek.Of(time.GetUtcNow().ToUnixTimeMilliseconds(), TimeZoneInfo.Utc);
        return Page();
    }
}
