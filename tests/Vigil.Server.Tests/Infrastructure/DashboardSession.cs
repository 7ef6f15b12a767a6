using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Dashboard.Auth;
using Vigil.Storage.Users;

namespace Vigil.Server.Tests;

/// <summary>The dashboard as a browser uses it, in-process: an account, a session cookie, antiforgery tokens, forms.</summary>
public static partial class DashboardSession
{
    public const string Password = "correct horse battery";

    /// <summary>Chromium's Accept header for a page.</summary>
    public const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    /// <summary>A browser-like client: keeps cookies, follows no redirects, asks for HTML.</summary>
    public static HttpClient Browser(VigilApp app)
    {
        var browser = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        browser.DefaultRequestHeaders.Add("Accept", BrowserAccept);
        return browser;
    }

    /// <summary>Creates the account <paramref name="userName"/> (with <see cref="Password"/>).</summary>
    public static async Task CreateUserAsync(VigilApp app, string userName = "admin", string role = UserRoles.Admin)
    {
        var accounts = app.Services.GetRequiredService<UserAccounts>();
        Assert.True(await app.Services.GetRequiredService<UserRepository>().CreateAsync(accounts.NewUser(userName, Password, role)));
    }

    /// <summary>Creates an admin account and returns a <see cref="Browser"/> signed in with it.</summary>
    public static async Task<HttpClient> SignInAsync(VigilApp app)
    {
        await CreateUserAsync(app);
        var browser = Browser(app);
        using var signIn = await PostSignInAsync(browser, "admin", Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        using var check = await browser.GetAsync("/users");
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        return browser;
    }

    /// <summary>Posts the sign-in form as the page does (with its antiforgery token).</summary>
    public static async Task<HttpResponseMessage> PostSignInAsync(HttpClient browser, string userName, string password)
    {
        var token = await FormTokenAsync(browser, "/login");
        return await browser.SendAsync(Form("/login", $"userName={Uri.EscapeDataString(userName)}&password={Uri.EscapeDataString(password)}&__RequestVerificationToken={Uri.EscapeDataString(token)}"));
    }

    /// <summary>The antiforgery token of the form on the page at <paramref name="path"/>.</summary>
    public static async Task<string> FormTokenAsync(HttpClient browser, string path)
    {
        var html = await browser.GetStringAsync(path);
        return TokenField().Match(html) is { Success: true } match
            ? WebUtility.HtmlDecode(match.Groups[1].Value)
            : throw new InvalidOperationException($"{path} has no antiforgery token");
    }

    /// <summary>A form post of an already URL-encoded body.</summary>
    public static HttpRequestMessage Form(string path, string body) =>
        new(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.ASCII, "application/x-www-form-urlencoded") };

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
