using System.Net;
using Vigil.Storage;
using Vigil.Storage.Users;

namespace Vigil.Server.Tests.Dashboard;

/// <summary>Every user, viewers too, changes their own password on <c>/account</c>; the current one is required.</summary>
public sealed class AccountTests() : ServerTestBase(StorageProvider.Sqlite)
{
    private const string NewPassword = "a brand new passphrase";

    [Fact]
    public async Task Viewer_ChangesOwnPassword_ThisSessionGoesOn_TheOtherEnds_OldPasswordRefused()
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        await DashboardSession.CreateUserAsync(app, "vera", UserRoles.Viewer);
        var here = DashboardSession.Browser(app);
        var elsewhere = DashboardSession.Browser(app);
        foreach (var browser in new[] { here, elsewhere })
        {
            using var signIn = await DashboardSession.PostSignInAsync(browser, "vera", DashboardSession.Password);
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        var page = await here.GetStringAsync("/account");
        Assert.Contains("vera", page, StringComparison.Ordinal);
        Assert.Contains("viewer", page, StringComparison.Ordinal);

        // A wrong current password: refused at its field, nothing changes.
        using (var wrong = await ChangeAsync(here, "not my password", NewPassword, NewPassword))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Contains("This is not your current password.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // A new password that is too short, or typed differently twice.
        using (var shortOne = await ChangeAsync(here, DashboardSession.Password, "short", "short"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, shortOne.StatusCode);
            Assert.Contains("at least", await shortOne.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var differ = await ChangeAsync(here, DashboardSession.Password, NewPassword, NewPassword + "x"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, differ.StatusCode);
            Assert.Contains("The two passwords differ.", await differ.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var changed = await ChangeAsync(here, DashboardSession.Password, NewPassword, NewPassword))
        {
            Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        }

        // This session carries on; the other one is over.
        using (var stillIn = await here.GetAsync("/account"))
        {
            Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
            Assert.Contains("Your password is changed", await stillIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var ended = await elsewhere.GetAsync("/account"))
        {
            Assert.Equal(HttpStatusCode.Redirect, ended.StatusCode);
            Assert.Equal("/login", ended.Headers.Location?.AbsolutePath);
        }

        using var old = await DashboardSession.PostSignInAsync(DashboardSession.Browser(app), "vera", DashboardSession.Password);
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        using var fresh = await DashboardSession.PostSignInAsync(DashboardSession.Browser(app), "vera", NewPassword);
        Assert.Equal(HttpStatusCode.Redirect, fresh.StatusCode);
    }

    private static async Task<HttpResponseMessage> ChangeAsync(HttpClient browser, string current, string password, string confirmation)
    {
        var token = await DashboardSession.FormTokenAsync(browser, "/account");
        return await browser.SendAsync(DashboardSession.Form("/account?handler=password",
            $"current={Uri.EscapeDataString(current)}&password={Uri.EscapeDataString(password)}&confirmation={Uri.EscapeDataString(confirmation)}&__RequestVerificationToken={Uri.EscapeDataString(token)}"));
    }
}
