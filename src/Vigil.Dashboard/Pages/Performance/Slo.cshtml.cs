using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Performance.Slos;
using Vigil.Storage.Performance;

namespace Vigil.Dashboard.Pages.Performance;

/// <summary>One service-level objective: its status, burn rates and error-budget burn-down.</summary>
public sealed class SloModel(SloRepository slos) : PageModel
{
    /// <summary>The stored objective.</summary>
    public StoredSlo Stored { get; private set; } = null!;

    /// <summary>Its definition.</summary>
    public SloDefinition Definition { get; private set; } = null!;

    /// <summary>Its last status, or null before the tracker's first pass.</summary>
    public SloStatus? Status { get; private set; }

    /// <summary>Reads the objective; 404 for an unknown id.</summary>
    public async Task<IActionResult> OnGetAsync(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || await slos.GetAsync(id, HttpContext.RequestAborted).ConfigureAwait(false) is not { } stored)
        {
            return NotFound();
        }

        Stored = stored;
        Definition = SloJson.Read(stored.Definition);
        Status = SloStatus.FromJson(stored.Status);
        return Page();
    }
}
