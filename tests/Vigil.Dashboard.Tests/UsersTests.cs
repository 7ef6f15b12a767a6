using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>Admins manage users and API keys; a viewer sees no edit control and the server refuses its writes whatever the page shows.</summary>
public sealed class UsersTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    private DashboardServer Server => fixture.Server;

    [Fact]
    public async Task Viewer_SeesNoEditControls_AndForgedWritesAreRefused()
    {
        var admin = await Server.NewPageAsync();
        await DashboardServer.RunAsync(admin, nameof(Viewer_SeesNoEditControls_AndForgedWritesAreRefused), async () =>
        {
            await AddUserAsync(admin, "vera", "viewer password 1", "viewer");

            var page = await Server.NewPageAsync(signedIn: false);
            await page.GotoAsync("/login");
            await page.GetByLabel("User name").FillAsync("vera");
            await page.GetByLabel("Password").FillAsync("viewer password 1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

            // No edit control on any page a viewer opens; no admin-only navigation.
            foreach (var path in new[] { "/", "/rules", "/alerts", "/silences", "/channels", "/deliveries", "/relay", "/issues", "/transactions" })
            {
                var response = await page.GotoAsync(path);
                Assert.True(response!.Ok, $"{path}: {response.Status}");
                await Expect(page.Locator("form[data-json-action], [data-post], [data-patch], form[method=post]:not(.signout)")).ToHaveCountAsync(0);
            }

            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToHaveCountAsync(0);
            await page.GotoAsync("/users");
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();

            // A forged write from the viewer's session, with a valid antiforgery token: the API refuses it by role.
            await page.GotoAsync("/rules");
            var token = await page.Locator("meta[name=vigil-csrf]").GetAttributeAsync("content");
            var headers = new Dictionary<string, string> { ["RequestVerificationToken"] = token! };
            var rules = await Server.Api().GetStringAsync("/api/v1/alerts/rules");
            var ruleId = System.Text.Json.JsonDocument.Parse(rules).RootElement.EnumerateArray().First().GetProperty("id").GetString();
            var patch = await page.APIRequest.PatchAsync($"/api/v1/alerts/rules/{ruleId}", new()
            {
                Headers = headers,
                DataObject = new Dictionary<string, object> { ["enabled"] = false },
            });
            Assert.Equal((int)HttpStatusCode.Forbidden, patch.Status);
            var key = await page.APIRequest.PostAsync("/api/v1/keys", new() { Headers = headers, DataObject = new Dictionary<string, object> { ["name"] = "sneaky", ["role"] = "admin" } });
            Assert.Equal((int)HttpStatusCode.Forbidden, key.Status);

            // ...and the users page's own form handler refuses it too.
            var form = await page.APIRequest.PostAsync("/users?handler=Create", new()
            {
                Headers = headers,
                Form = FormOf(page.APIRequest, ("userName", "mallory"), ("password", "mallory password"), ("confirmation", "mallory password"), ("role", "admin")),
                MaxRedirects = 0,
            });
            Assert.NotEqual((int)HttpStatusCode.OK, form.Status);
            await admin.GotoAsync("/users");
            await Expect(admin.Locator("tr[data-user=mallory]")).ToHaveCountAsync(0);
        });
    }

    [Fact]
    public async Task Admin_ChangesRoleSetsPasswordAndDeletes_TheLastAdminIsProtected()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Admin_ChangesRoleSetsPasswordAndDeletes_TheLastAdminIsProtected), async () =>
        {
            await AddUserAsync(page, "otto", "otto password 1", "viewer");

            // A taken name is a field error.
            await page.GetByLabel("User name").FillAsync("OTTO");
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync("otto password 1");
            await page.GetByLabel("Password again").FillAsync("otto password 1");
            await page.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
            await Expect(page.Locator(".field-error")).ToContainTextAsync("taken");

            // The only admin cannot demote itself.
            var self = page.Locator($"tr[data-user={DashboardServer.AdminName}]");
            await self.GetByLabel($"Role of {DashboardServer.AdminName}").SelectOptionAsync("viewer");
            await self.GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("last admin");

            var otto = page.Locator("tr[data-user=otto]");
            await otto.GetByLabel("Role of otto").SelectOptionAsync("admin");
            await otto.GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("The role is now admin");

            await otto.GetByText("Password…").ClickAsync();
            await otto.GetByLabel("New password").FillAsync("otto password 2");
            await otto.GetByLabel("Again").FillAsync("otto password 2");
            await otto.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("password of otto is changed");

            var ottoPage = await Server.NewPageAsync(signedIn: false);
            await ottoPage.GotoAsync("/login");
            await ottoPage.GetByLabel("User name").FillAsync("otto");
            await ottoPage.GetByLabel("Password").FillAsync("otto password 2");
            await ottoPage.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(ottoPage.GetByRole(AriaRole.Link, new() { Name = "Users" })).ToBeVisibleAsync();

            // Deleting otto ends otto's session at its next request.
            await otto.GetByText("Delete…").ClickAsync();
            await otto.GetByRole(AriaRole.Button, new() { Name = "Delete otto" }).ClickAsync();
            await Expect(page.Locator("tr[data-user=otto]")).ToHaveCountAsync(0);
            // The page's next live poll (every second) is refused and sends it to the sign-in page by itself.
            await Expect(ottoPage).ToHaveURLAsync(new Regex("/login"));
        });
    }

    [Fact]
    public async Task Admin_CreatesAnApiKey_ShownOnceAndWorking_ThenRevokes()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Admin_CreatesAnApiKey_ShownOnceAndWorking_ThenRevokes), async () =>
        {
            await page.GotoAsync("/keys");
            await page.GetByLabel("Name").FillAsync("checkout-service");
            await page.GetByLabel("Role").SelectOptionAsync("ingest");
            await page.GetByLabel("Series quota (optional)").FillAsync("-5");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
            await Expect(page.Locator(".field-error")).Not.ToHaveCountAsync(0);

            await page.GetByLabel("Series quota (optional)").FillAsync("");
            await page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync();
            var shown = page.Locator("#created-key-value");
            await Expect(shown).ToHaveTextAsync(new Regex("^vgl_"));
            var secret = await shown.TextContentAsync();

            using (var client = Server.Process.Client(secret))
            {
                var ingest = await client.PostAsync("/api/v1/metrics", new StringContent("""{"points":[{"name":"key_test","type":"counter","value":1}]}""", System.Text.Encoding.UTF8, "application/json"));
                Assert.True(ingest.IsSuccessStatusCode, await ingest.Content.ReadAsStringAsync());
            }

            // Listed without its secret; revoked from the list.
            await page.GotoAsync("/keys");
            Assert.DoesNotContain(secret!, await page.ContentAsync());
            page.Dialog += (_, dialog) => _ = dialog.AcceptAsync();
            await page.Locator("tr[data-key=checkout-service]").GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
            await Expect(page.Locator("tr[data-key=checkout-service]")).ToContainTextAsync("revoked");
            using var revoked = Server.Process.Client(secret);
            var refused = await revoked.PostAsync("/api/v1/metrics", new StringContent("""{"points":[{"name":"key_test","type":"counter","value":1}]}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        });
    }

    [Fact]
    public async Task UnknownPage_IsAFriendlyNotFoundPage_WhileTheApiKeepsProblemJson()
    {
        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(UnknownPage_IsAFriendlyNotFoundPage_WhileTheApiKeepsProblemJson), async () =>
        {
            var response = await page.GotoAsync("/no-such-page");
            Assert.Equal(404, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "404 Not Found" })).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Back to the overview" })).ToBeVisibleAsync();

            var api = await page.APIRequest.GetAsync("/api/v1/no-such-thing");
            Assert.Equal(404, api.Status);
            Assert.StartsWith("application/problem+json", api.Headers["content-type"]);
        });
    }

    private static IFormData FormOf(IAPIRequestContext request, params (string Name, string Value)[] fields)
    {
        var form = request.CreateFormData();
        foreach (var (name, value) in fields)
        {
            form.Set(name, value);
        }

        return form;
    }

    internal static async Task AddUserAsync(IPage admin, string name, string password, string role)
    {
        await admin.GotoAsync("/users");
        await admin.GetByLabel("User name").FillAsync(name);
        await admin.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await admin.GetByLabel("Password again").FillAsync(password);
        await admin.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync(role);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        await Expect(admin.Locator($"tr[data-user={name}]")).ToBeVisibleAsync();
    }
}
