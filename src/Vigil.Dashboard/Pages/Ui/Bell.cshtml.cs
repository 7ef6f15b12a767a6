using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Live;

namespace Vigil.Dashboard.Pages.Ui;

/// <summary>The bell for the pages' poll: 204 when the count has not changed since <c>since</c>.</summary>
public sealed class BellModel(NotificationBell bell) : PageModel
{
    /// <summary>The bell.</summary>
    public BellView View { get; private set; } = null!;

    /// <summary>Reads the count.</summary>
    public async Task<IActionResult> OnGetAsync(string? since)
    {
        View = await bell.LoadAsync(HttpContext.RequestAborted).ConfigureAwait(false);
        return since == View.Version ? new NoContentResult() : Page();
    }
}
