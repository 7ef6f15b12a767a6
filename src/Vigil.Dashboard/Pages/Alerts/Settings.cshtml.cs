using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Vigil.Dashboard.Pages.Alerts;

/// <summary>Seed 004's address of the alerts page: sends to <c>/alerts</c> with the same filters.</summary>
public sealed class SettingsModel : PageModel
{
    /// <summary>Redirects.</summary>
    public IActionResult OnGet() => LocalRedirect("/alerts" + Request.QueryString.ToUriComponent());
}
