using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Monitoring.StatusPage;

namespace Vigil.Dashboard.Pages.Status;

/// <summary>
/// The public status page (no sign-in): the monitors marked public, their uptime bars and
/// outages. Server-rendered, no script; 404 unless <c>Vigil:StatusPage:Enabled</c>.
/// </summary>
public sealed class IndexModel(StatusPageReader reader) : PageModel
{
    /// <summary>What the page shows.</summary>
    public StatusPageView View { get; private set; } = null!;

    /// <summary>Reads the shared view; 404 when the page is off.</summary>
    public async Task<IActionResult> OnGetAsync()
    {
        if (await reader.GetAsync(HttpContext.RequestAborted).ConfigureAwait(false) is not { } view)
        {
            return NotFound();
        }

        View = view;
        return Page();
    }
}
