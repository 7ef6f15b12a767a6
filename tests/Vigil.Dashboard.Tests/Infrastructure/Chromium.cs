using Microsoft.Playwright;

namespace Vigil.Dashboard.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium (<c>VIGIL_TEST_CHROMIUM</c>, else <c>/usr/bin/chromium</c>; ./test.sh installs
/// it), driven by Playwright, headless, with the flags that keep it off the network.
/// </summary>
internal static class Chromium
{
    public static string Executable => Environment.GetEnvironmentVariable("VIGIL_TEST_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(Executable))
        {
            throw new InvalidOperationException($"Chromium is not at {Executable}: install Debian's chromium (./test.sh does) or set VIGIL_TEST_CHROMIUM.");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
            ],
        });
        return (playwright, browser);
    }
}
