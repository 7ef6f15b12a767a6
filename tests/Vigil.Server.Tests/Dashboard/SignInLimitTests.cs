using System.Net;
using Vigil.Storage;

namespace Vigil.Server.Tests.Dashboard;

/// <summary>
/// Wrong sign-ins count against the client address like wrong API keys (one budget): an address
/// that keeps guessing names or passwords is refused before another password hash is computed.
/// </summary>
public sealed class SignInLimitTests() : ServerTestBase(StorageProvider.Sqlite)
{
    [Fact]
    public async Task WrongSignInsFromOneAddress_Refused429_UntilTheWindowPasses_ThenTheRightPasswordWorks()
    {
        var time = VigilApp.NewClock();
        await using var app = StartApp(time, new() { ["Vigil:Auth:FailuresPerAddress"] = "3", ["Vigil:Auth:FailureWindow"] = "00:01:00" });
        await DashboardSession.CreateUserAsync(app);
        var browser = DashboardSession.Browser(app);

        // Unknown names: no account locks, only the address budget stops the guessing.
        for (var i = 0; i < 3; i++)
        {
            using var wrong = await DashboardSession.PostSignInAsync(browser, $"nobody{i}", "guess " + i);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var refused = await DashboardSession.PostSignInAsync(browser, "admin", DashboardSession.Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("text/html", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("Too many failed sign-ins", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The API keys share the budget: a wrong key from the address is refused too.
        using var api = app.WithKey("not-a-key-0123456789abcdef");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.GetAsync("/api/v1/alerts")).StatusCode);

        time.Advance(TimeSpan.FromMinutes(1));
        using var signIn = await DashboardSession.PostSignInAsync(browser, "admin", DashboardSession.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
    }
}
