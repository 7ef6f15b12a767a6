using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Overview;

namespace Vigil.Dashboard.Pages.Ui;

/// <summary>The overview's live parts for the page's poll: the figures (204 when unchanged since <c>since</c>) and the resources.</summary>
public sealed class OverviewModel(OverviewReader reader, ResourceSampler resources) : PageModel
{
    /// <summary>The figures.</summary>
    public OverviewView? View { get; private set; }

    /// <summary>The resources.</summary>
    public ResourceUsage? Resources { get; private set; }

    /// <summary>The figures, or 204 when they have not changed.</summary>
    public async Task<IActionResult> OnGetAsync(string? range, string? since)
    {
        if (!OverviewRange.TryParse(range, out var parsed))
        {
            return BadRequest();
        }

        View = await reader.LoadAsync(parsed, HttpContext.RequestAborted).ConfigureAwait(false);
        return since == View.Version ? new NoContentResult() : Page();
    }

    /// <summary>The process's resources.</summary>
    public IActionResult OnGetResources()
    {
        Resources = resources.Read();
        return Page();
    }
}
