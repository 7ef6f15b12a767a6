using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Storage.Keys;

namespace Vigil.Dashboard.Pages.Keys;

/// <summary>Admins list, create (through the API, shown once) and revoke API keys.</summary>
public sealed class IndexModel(ApiKeyRepository keys) : PageModel
{
    /// <summary>Every key, newest first, revoked ones included.</summary>
    public IReadOnlyList<ApiKeyRecord> Keys { get; private set; } = [];

    /// <summary>Lists the keys.</summary>
    public async Task OnGetAsync() => Keys = await keys.ListAsync(HttpContext.RequestAborted).ConfigureAwait(false);
}
