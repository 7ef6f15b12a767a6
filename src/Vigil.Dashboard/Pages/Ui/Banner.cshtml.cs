using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Live;

namespace Vigil.Dashboard.Pages.Ui;

/// <summary>The banner for the pages' poll: 204 when it has not changed since <c>since</c>.</summary>
public sealed class BannerModel(AlertBanner banner) : PageModel
{
    /// <summary>The banner.</summary>
    public BannerView View { get; private set; } = null!;

    /// <summary>Reads the banner.</summary>
    public async Task<IActionResult> OnGetAsync(string? since)
    {
        View = await banner.LoadAsync(HttpContext.RequestAborted).ConfigureAwait(false);
        return since == View.Version ? new NoContentResult() : Page();
    }
}
