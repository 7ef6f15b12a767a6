using System.Net;
using Vigil.Storage;

namespace Vigil.Server.Tests.Dashboard;

/// <summary>
/// A page's htmx request (a bell poll, a panel's refresh) without a session is sent to sign in with
/// the way back to its page, not to the fragment it asked for: a poll that outlived a sign-out made
/// the next sign-in land on <c>/ui/bell</c>.
/// </summary>
public sealed class SessionEndTests() : ServerTestBase(StorageProvider.Sqlite)
{
    [Theory]
    [InlineData("http://localhost/performance?range=24h", "/performance?range=24h")]
    [InlineData("http://elsewhere.example/performance", "/")]
    [InlineData("http://localhost/ui/bell?since=2", "/")]
    [InlineData("not a url", "/")]
    [InlineData(null, "/")]
    public async Task HtmxRequest_WithoutASession_SignInThenBackToItsPage(string? page, string back)
    {
        await using var app = StartApp(settings: VigilApp.ManualPasses());
        await DashboardSession.CreateUserAsync(app);
        var browser = DashboardSession.Browser(app);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ui/bell?since=2");
        request.Headers.Add("HX-Request", "true");
        if (page is not null)
        {
            request.Headers.TryAddWithoutValidation("HX-Current-URL", page);
        }

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal($"/login?returnUrl={Uri.EscapeDataString(back)}", Assert.Single(response.Headers.GetValues("HX-Redirect")));
    }
}
