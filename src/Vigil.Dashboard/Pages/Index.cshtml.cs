using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Live;

namespace Vigil.Dashboard.Pages;

/// <summary>The overview.</summary>
public sealed class IndexModel(AlertBanner banner) : PageModel
{
    /// <summary>Firing alerts.</summary>
    public IReadOnlyList<BannerAlert> Active { get; private set; } = [];

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync() => Active = (await banner.LoadAsync(HttpContext.RequestAborted).ConfigureAwait(false)).Alerts;
}
