using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Server.Tests.Hosting;

namespace Vigil.Dashboard.Tests.Infrastructure;

/// <summary>
/// The Vigil server started as its own process, the way a user runs it (SQLite in a temporary
/// folder), and a headless Chromium. <see cref="StartAsync"/> leaves it on its first run: no
/// account, the setup link printed; <see cref="StartWithAdminAsync"/> also creates the admin
/// account through the setup page and keeps its session for <see cref="NewPageAsync"/>.
/// </summary>
internal sealed class DashboardServer : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789abcdef";
    public const string AdminName = "admin";
    public const string AdminPassword = "correct horse battery";

    // Each page's server and its requests and navigations as the browser saw them: a failed browser
    // test reports both (found by the page, not its address, which is an error page when the server hung).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, PageLog> Pages = new();

    private readonly string _folder;
    private readonly List<IBrowserContext> _contexts = [];
    private IPlaywright _playwright = null!;
    private BrowserNewContextOptions? _adminSession;

    private DashboardServer(string folder, ServerProcess process)
    {
        _folder = folder;
        Process = process;
    }

    public ServerProcess Process { get; }

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress => Process.BaseAddress;

    /// <summary>The one-time setup link the server printed.</summary>
    public string SetupLink { get; private set; } = null!;

    public static async Task<DashboardServer> StartAsync(IDictionary<string, string>? settings = null)
    {
        // Expectations wait as long as page actions do: a chart fetches its data after the page
        // loads, which takes more than Playwright's default 5 s on a loaded machine.
        Assertions.SetDefaultExpectTimeout(30_000);
        var folder = Directory.CreateTempSubdirectory("vigil-dashboard-test-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Vigil__Auth__BootstrapAdminKey"] = AdminKey,
            // A loaded machine can take longer than the 500 ms default to answer the health probe,
            // which would show the database degraded where a test expects "healthy".
            ["Vigil__Health__DatabaseDegradedAfter"] = "00:00:30",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Vigil.Server.Hosting.SetupLinkAnnouncer"] = "Information",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            // Each request's method, path, status and duration: printed when a browser test fails,
            // so a slow or failed answer shows which request it was.
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var process = ServerProcess.Start(folder, environment);
        var server = new DashboardServer(folder, process);
        try
        {
            await process.WaitUntilReadyAsync();
            var line = await process.WaitForLineAsync(l => l.Contains("/setup?token=", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
            server.SetupLink = line.Trim();
            (server._playwright, server.Browser) = await Chromium.LaunchAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public static async Task<DashboardServer> StartWithAdminAsync(IDictionary<string, string>? settings = null)
    {
        var server = await StartAsync(settings);
        try
        {
            var context = await server.Browser.NewContextAsync();
            var page = await context.NewPageAsync();
            await page.GotoAsync(server.SetupLink);
            await page.GetByLabel("User name").FillAsync(AdminName);
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync(AdminPassword);
            await page.GetByLabel("Password again").FillAsync(AdminPassword);
            await page.GetByRole(AriaRole.Button, new() { Name = "Create the account and sign in" }).ClickAsync();
            // The session cookie comes with the redirect: what is needed here is that answer, not
            // the overview's load (its own tests cover it; under a loaded CI machine waiting for
            // every asset of the first page was the slow part). Waiting for the URL with
            // WaitUntil = Commit hung when the redirect had already happened: wait for the cookie.
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                while (!(await context.CookiesAsync()).Any(c => c.Name == "vigil_session"))
                {
                    await Task.Delay(50, timeout.Token);
                }
            }
            server._adminSession = new BrowserNewContextOptions { StorageState = await context.StorageStateAsync() };
            await context.CloseAsync();
            return server;
        }
        catch (Exception ex)
        {
            var output = server.Process.Output;
            await server.DisposeAsync();
            throw new InvalidOperationException($"Creating the admin account through the setup page failed; the server printed:\n{output}", ex);
        }
    }

    /// <summary>A page in a new browser context: signed in as the admin when the server has one, else signed out.</summary>
    public async Task<IPage> NewPageAsync(bool signedIn = true)
    {
        var options = signedIn && _adminSession is not null ? new BrowserNewContextOptions { StorageState = _adminSession.StorageState } : new BrowserNewContextOptions();
        options.BaseURL = BaseAddress.ToString();
        var context = await Browser.NewContextAsync(options);
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000); // a sign-in hashes a password: seconds on a loaded 2-core machine
        var traffic = new ConcurrentQueue<string>();
        Pages.AddOrUpdate(page, new PageLog(this, traffic));
        static string Now() => DateTime.UtcNow.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        page.Request += (_, request) => traffic.Enqueue($"{Now()} -> {request.Method} {request.Url}");
        page.Response += (_, response) => traffic.Enqueue($"{Now()} <- {response.Status} {response.Request.Method} {response.Url}");
        page.RequestFailed += (_, request) => traffic.Enqueue($"{Now()} failed {request.Method} {request.Url}: {request.Failure}");
        page.FrameNavigated += (_, frame) =>
        {
            if (frame.ParentFrame is null)
            {
                traffic.Enqueue($"{Now()} navigated to {frame.Url}");
            }
        };
        return page;
    }

    /// <summary>An HTTP client with the admin API key (setting things up without the browser).</summary>
    public HttpClient Api() => Process.Client(AdminKey);

    /// <summary>Creates an API key or dashboard user of <paramref name="role"/> through the API and returns a client using the key.</summary>
    public async Task<HttpClient> ApiWithRoleAsync(string role)
    {
        var response = await Api().PostAsJsonAsync("/api/v1/keys", new { name = $"test {role}", role });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        return Process.Client(created.GetProperty("key").GetString());
    }

    /// <summary>
    /// Runs a browser test. On failure it saves a screenshot under TestResults/screenshots and fails
    /// with the test's own error followed by what the page requested and saw, and by the output of
    /// the server it was on (each request with its status and duration): xUnit shows no console
    /// output, and a failure that happens once in a few runs must say what happened the first time.
    /// </summary>
    public static async Task RunAsync(IPage page, string name, Func<Task> test)
    {
        try
        {
            await test();
        }
        catch (Exception ex)
        {
            var report = new System.Text.StringBuilder(ex.Message);
            var folder = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");
            Directory.CreateDirectory(folder);
            var file = Path.Combine(folder, $"{name}.png");
            try
            {
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
                report.Append("\n\nScreenshot: ").Append(file);
            }
            catch (PlaywrightException)
            {
                // The page is gone: the test's own error says why.
            }

            if (Pages.TryGetValue(page, out var seen))
            {
                report.Append("\n\nWhat the browser requested and saw (UTC):\n").AppendJoin('\n', seen.Traffic);
                report.Append("\n\nThe server's output (UTC):\n").Append(seen.Server.Process.Output);
            }

            throw new BrowserTestException(report.ToString(), ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var context in _contexts)
        {
            await context.CloseAsync();
        }

        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by the exiting process: the temporary folder is cleaned by the system.
        }
    }
}

/// <summary>A browser test's failure, with what the browser and the server did up to it.</summary>
internal sealed class BrowserTestException(string message, Exception inner) : Exception(message, inner);

/// <summary>The server a test page was opened on, and what the page requested and saw.</summary>
internal sealed record PageLog(DashboardServer Server, ConcurrentQueue<string> Traffic);
