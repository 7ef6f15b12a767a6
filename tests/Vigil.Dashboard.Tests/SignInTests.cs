using System.Net;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>First-run setup, sign-in, lock-out and the session's protections, in a real Chromium against the real server.</summary>
public sealed class SignInTests : IAsyncLifetime
{
    private DashboardServer _server = null!;

    public async Task InitializeAsync() => _server = await DashboardServer.StartAsync(new Dictionary<string, string>
    {
        ["Vigil__Dashboard__MaxFailedSignIns"] = "3",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task FirstRun_SetupLinkCreatesTheAdmin_SignOutAndInAgain_LinkThenDead()
    {
        var page = await _server.NewPageAsync(signedIn: false);
        await DashboardServer.RunAsync(page, nameof(FirstRun_SetupLinkCreatesTheAdmin_SignOutAndInAgain_LinkThenDead), async () =>
        {
            // Before any account: the overview sends to sign-in, which points at the setup link.
            await page.GotoAsync("/");
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
            await Expect(page.GetByText("one-time setup link")).ToBeVisibleAsync();

            await page.GotoAsync(_server.SetupLink);
            await page.GetByLabel("User name").FillAsync("alice");
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync("short");
            await page.GetByLabel("Password again").FillAsync("short");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create the account and sign in" }).ClickAsync();
            await Expect(page.Locator(".field-error")).ToContainTextAsync("at least 10 characters");

            // The forms that sign in and out are sent with the keyboard (Enter in the focused field or
            // on the focused button, as a user can), which does not wait for the navigation it starts
            // as a click does: the next line waits for what only the page it leads to shows. Twice in
            // a day a click's wait never ended ("waiting for scheduled navigations to finish") after
            // the second sign-in; if the server were slow instead, the expectation after it fails,
            // with the server's log.
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync("a long enough password");
            await page.GetByLabel("Password again").FillAsync("a long enough password");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
            await Expect(page.GetByText("alice")).ToBeVisibleAsync();

            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to Vigil" })).ToBeVisibleAsync();

            await page.GetByLabel("User name").FillAsync("alice");
            await page.GetByLabel("Password").FillAsync("a long enough password");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

            // The link worked once.
            await page.GotoAsync(_server.SetupLink);
            await Expect(page.GetByText("This setup link is not valid")).ToBeVisibleAsync();
        });
    }

    [Fact]
    public async Task WrongPasswords_LockTheAccount_EvenTheRightOneIsThenRefused()
    {
        await CreateAdminAsync();
        var page = await _server.NewPageAsync(signedIn: false);
        await DashboardServer.RunAsync(page, nameof(WrongPasswords_LockTheAccount_EvenTheRightOneIsThenRefused), async () =>
        {
            await page.GotoAsync("/login");
            for (var i = 0; i < 2; i++)
            {
                await SignInAsync(page, "wrong password " + i);
                await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("user name or password is wrong");
            }

            await SignInAsync(page, "wrong password 3");
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
            await SignInAsync(page, DashboardServer.AdminPassword);
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
            await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"));
        });
    }

    [Fact]
    public async Task SessionCookie_ApiChangeWithoutAntiforgeryToken_IsRefused_WithTheTokenItPasses()
    {
        await CreateAdminAsync();
        var page = await _server.NewPageAsync(signedIn: false);
        await DashboardServer.RunAsync(page, nameof(SessionCookie_ApiChangeWithoutAntiforgeryToken_IsRefused_WithTheTokenItPasses), async () =>
        {
            await page.GotoAsync("/login");
            await SignInAsync(page, DashboardServer.AdminPassword);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

            // The session reads the API...
            var read = await page.APIRequest.GetAsync("/api/v1/alerts");
            Assert.Equal((int)HttpStatusCode.OK, read.Status);

            // ...but a change without the page's token is refused (what a forged cross-site request looks like).
            var body = new Dictionary<string, object> { ["labels"] = new Dictionary<string, string> { ["service"] = "api" }, ["durationMinutes"] = 30, ["comment"] = "maintenance" };
            var forged = await page.APIRequest.PostAsync("/api/v1/silences", new() { DataObject = body });
            Assert.Equal((int)HttpStatusCode.BadRequest, forged.Status);
            Assert.Contains("antiforgery", await forged.TextAsync(), StringComparison.OrdinalIgnoreCase);

            var token = await page.Locator("meta[name=vigil-csrf]").GetAttributeAsync("content");
            var allowed = await page.APIRequest.PostAsync("/api/v1/silences", new()
            {
                DataObject = body,
                Headers = new Dictionary<string, string> { ["RequestVerificationToken"] = token! },
            });
            Assert.Equal((int)HttpStatusCode.Created, allowed.Status);

            // Without a session the API still wants a key, with its 401, not a redirect.
            var anonymous = await (await _server.Browser.NewContextAsync(new() { BaseURL = _server.BaseAddress.ToString() })).APIRequest.GetAsync("/api/v1/alerts");
            Assert.Equal((int)HttpStatusCode.Unauthorized, anonymous.Status);
        });
    }

    [Fact]
    public async Task Pages_CarryAStrictContentSecurityPolicy_AndTheCookiesAreHttpOnlyAndStrict()
    {
        await CreateAdminAsync();
        var page = await _server.NewPageAsync(signedIn: false);
        await DashboardServer.RunAsync(page, nameof(Pages_CarryAStrictContentSecurityPolicy_AndTheCookiesAreHttpOnlyAndStrict), async () =>
        {
            var violations = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                {
                    violations.Add(message.Text);
                }
            };
            var response = await page.GotoAsync("/login");
            var policy = await response!.HeaderValueAsync("content-security-policy");
            Assert.Contains("script-src 'self';", policy);
            Assert.DoesNotContain("unsafe-inline", policy);
            Assert.Contains("frame-ancestors 'none'", policy);

            await SignInAsync(page, DashboardServer.AdminPassword);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
            var cookies = await page.Context.CookiesAsync();
            var session = Assert.Single(cookies, c => c.Name == "vigil_session");
            Assert.True(session.HttpOnly);
            Assert.Equal(SameSiteAttribute.Strict, session.SameSite);

            // The live parts have loaded their scripts and run without a violation.
            await Expect(page.Locator("#bell")).ToBeVisibleAsync();
            Assert.Empty(violations);
        });
    }

    private async Task CreateAdminAsync()
    {
        var page = await _server.NewPageAsync(signedIn: false);
        await page.GotoAsync(_server.SetupLink);
        await page.GetByLabel("User name").FillAsync(DashboardServer.AdminName);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(DashboardServer.AdminPassword);
        await page.GetByLabel("Password again").FillAsync(DashboardServer.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account and sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    private static async Task SignInAsync(IPage page, string password)
    {
        await page.GetByLabel("User name").FillAsync(DashboardServer.AdminName);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
