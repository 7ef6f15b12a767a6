using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Vigil.Dashboard.Pages.Rules;

/// <summary><c>/settings/alerts/config</c>, the rule page's address in seed 004: sends to <c>/rules</c>.</summary>
public sealed class ConfigModel : PageModel
{
    /// <summary>Redirects to the rule list.</summary>
    public IActionResult OnGet() => Redirect("/rules");
}
