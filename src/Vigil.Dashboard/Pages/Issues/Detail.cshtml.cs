using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Issues;
using Vigil.Errors.Issues;
using Vigil.Storage.Errors;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Pages.Issues;

/// <summary>One issue: its state and actions, the latest event's exception and stack, tags, its timelines, routes, releases and recent events.</summary>
public sealed class DetailModel(IssuesView issues) : PageModel
{
    /// <summary>The recent events the page lists.</summary>
    public const int ListedEvents = 20;

    /// <summary>The issue with its events; null when there is none with that id (the page answers 404).</summary>
    public IssueDetail? Issue { get; private set; }

    /// <summary>The id asked for (clipped).</summary>
    public string Id { get; private set; } = "";

    /// <summary>Whether the signed-in user may change the issue's state.</summary>
    public bool CanChange => User.IsInRole(UserRoles.Admin);

    /// <summary>The outcome of the last action.</summary>
    [TempData]
    public string? Message { get; set; }

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync(string? id) => await LoadAsync(id).ConfigureAwait(false);

    /// <summary>Changes the issue's state (admins), as <c>PATCH /api/v1/issues/{id}</c> does, then shows it again.</summary>
    public async Task<IActionResult> OnPostStateAsync(string? id, string? state)
    {
        if (!CanChange)
        {
            return Forbid();
        }

        if (state is null || !IssueStates.All.Contains(state))
        {
            await LoadAsync(id).ConfigureAwait(false);
            Message = $"'{(state is { Length: > 40 } ? state[..40] + "…" : state)}' is not a state: choose {string.Join(", ", IssueStates.All)}.";
            if (Issue is not null)
            {
                Response.StatusCode = StatusCodes.Status400BadRequest;
            }

            return Page();
        }

        if (id is null || id.Length > IssuePages.MaxIdLength || await issues.SetStateAsync(id, state, HttpContext.RequestAborted).ConfigureAwait(false) is null)
        {
            await LoadAsync(id).ConfigureAwait(false);
            return Page();
        }

        Message = $"The issue is {state}.";
        return RedirectToPage(new { id });
    }

    private async Task LoadAsync(string? id)
    {
        id ??= string.Empty; // model binding makes a blank segment (/x/%20) null: no such item
        Id = id.Length > IssuePages.MaxIdLength ? id[..IssuePages.MaxIdLength] + "…" : id;
        Issue = id.Length > IssuePages.MaxIdLength ? null : await issues.GetAsync(id, HttpContext.RequestAborted).ConfigureAwait(false);
        if (Issue is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
    }
}
