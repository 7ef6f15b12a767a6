using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Delivery;

namespace Vigil.Dashboard.Pages.Channels;

/// <summary>
/// Creates (<c>/channels/new</c>, admin) or shows and edits (<c>/channels/{id}</c>) a channel. The
/// form is sent as JSON to <c>/api/v1/channels</c>; the page holds the channel masked only, and the
/// edit form leaves a secret out unless a new one is typed, so the API keeps the stored one.
/// </summary>
public sealed class EditModel(DeliveryDashboard dashboard) : PageModel
{
    /// <summary>The id in the URL of a new channel.</summary>
    public const string NewId = "new";

    /// <summary>The channel (masked), null when creating one.</summary>
    public ChannelRow? Existing { get; private set; }

    /// <summary>Whether this page creates a channel.</summary>
    public bool IsNew => Existing is null;

    /// <summary>Reads the channel; 404 for an id no channel has.</summary>
    public async Task<IActionResult> OnGetAsync(string? id)
    {
        id ??= string.Empty; // model binding makes a blank segment (/x/%20) null: no such item
        if (id == NewId)
        {
            return User.IsInRole(Vigil.Storage.Users.UserRoles.Admin) ? Page() : Forbid();
        }

        if (id.Length > 64 || !id.All(char.IsAsciiLetterOrDigit))
        {
            return NotFound();
        }

        Existing = await dashboard.ChannelAsync(id, HttpContext.RequestAborted).ConfigureAwait(false);
        return Existing is null ? NotFound() : Page();
    }
}
