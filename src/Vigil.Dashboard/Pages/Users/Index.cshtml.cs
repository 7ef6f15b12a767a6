using System.Security.Claims;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Vigil.Dashboard.Auth;
using Vigil.Storage.Users;

namespace Vigil.Dashboard.Pages.Users;

/// <summary>Admins manage dashboard accounts: add, change role, set a password, unlock, delete (never the last admin).</summary>
public sealed class IndexModel(UserRepository users, UserAccounts accounts, IOptions<DashboardOptions> options, TimeProvider time) : PageModel
{
    /// <summary>Every account, by name.</summary>
    public IReadOnlyList<UserRecord> Users { get; private set; } = [];

    /// <summary>The signed-in user's id.</summary>
    public string? CurrentUserId => User.FindFirstValue(ClaimTypes.NameIdentifier);

    /// <summary>Now, for lock-outs.</summary>
    public long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>The outcome of the last action.</summary>
    [TempData]
    public string? Message { get; set; }

    /// <summary>Whether <see cref="Message"/> is an error.</summary>
    [TempData]
    public bool MessageIsError { get; set; }

    /// <summary>The name typed into the add form (kept after an error).</summary>
    public string? NewUserName { get; private set; }

    /// <summary>Field errors of the add form.</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>The shortest password accepted.</summary>
    public int MinPasswordLength => options.Value.MinPasswordLength;

    /// <summary>Lists the accounts.</summary>
    public async Task OnGetAsync() => await LoadAsync().ConfigureAwait(false);

    /// <summary>Adds an account.</summary>
    public async Task<IActionResult> OnPostCreateAsync(string? userName, string? password, string? confirmation, string? role)
    {
        NewUserName = userName;
        if (UserAccounts.CheckUserName(userName) is { } nameError)
        {
            Errors["userName"] = nameError;
        }

        if (accounts.CheckPassword(password, confirmation) is { } passwordError)
        {
            Errors["password"] = passwordError;
        }

        if (!UserRoles.IsKnown(role))
        {
            Errors["role"] = "Choose viewer or admin.";
        }

        if (Errors.Count == 0 && !await users.CreateAsync(accounts.NewUser(userName!, password!, role!), HttpContext.RequestAborted).ConfigureAwait(false))
        {
            Errors["userName"] = "This name is taken.";
        }

        if (Errors.Count > 0)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
            await LoadAsync().ConfigureAwait(false);
            return Page();
        }

        return Done($"Added {userName!.Trim()} ({role}).");
    }

    /// <summary>Changes an account's role.</summary>
    public async Task<IActionResult> OnPostRoleAsync(string? id, string? role)
    {
        if (id is null || !UserRoles.IsKnown(role))
        {
            return Done("Choose viewer or admin.", error: true);
        }

        return await users.SetRoleAsync(id, role!, UserAccounts.NewStamp(), HttpContext.RequestAborted).ConfigureAwait(false) switch
        {
            UserChange.Done => Done($"The role is now {role}."),
            UserChange.LastAdmin => Done("This is the last admin: make another user admin first.", error: true),
            _ => Done("No such user.", error: true),
        };
    }

    /// <summary>Sets an account's password (and ends its sessions).</summary>
    public async Task<IActionResult> OnPostPasswordAsync(string? id, string? password, string? confirmation)
    {
        var user = id is null ? null : await users.FindByIdAsync(id, HttpContext.RequestAborted).ConfigureAwait(false);
        if (user is null)
        {
            return Done("No such user.", error: true);
        }

        if (accounts.CheckPassword(password, confirmation) is { } problem)
        {
            return Done(problem, error: true);
        }

        await accounts.ChangePasswordAsync(user, password!, HttpContext.RequestAborted).ConfigureAwait(false);
        return Done($"The password of {user.UserName} is changed.");
    }

    /// <summary>Unlocks an account.</summary>
    public async Task<IActionResult> OnPostUnlockAsync(string? id) =>
        id is not null && await users.UnlockAsync(id, HttpContext.RequestAborted).ConfigureAwait(false) ? Done("Unlocked.") : Done("No such user.", error: true);

    /// <summary>Deletes an account.</summary>
    public async Task<IActionResult> OnPostDeleteAsync(string? id)
    {
        if (id is null)
        {
            return Done("No such user.", error: true);
        }

        return await users.DeleteAsync(id, HttpContext.RequestAborted).ConfigureAwait(false) switch
        {
            UserChange.Done => Done("Deleted."),
            UserChange.LastAdmin => Done("This is the last admin: it cannot be deleted.", error: true),
            _ => Done("No such user.", error: true),
        };
    }

    private async Task LoadAsync() => Users = await users.ListAsync(HttpContext.RequestAborted).ConfigureAwait(false);

    private RedirectToPageResult Done(string message, bool error = false)
    {
        Message = message;
        MessageIsError = error;
        return RedirectToPage();
    }
}
