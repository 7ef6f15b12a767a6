using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Vigil.Dashboard.Auth;
using Vigil.Server.Http;
using Vigil.Storage.Users;

namespace Vigil.Server.Hosting;

/// <summary>
/// Once the server listens and no dashboard account exists, prints the one-time link that lets
/// the first visitor create the admin account (to the console only, like the first API key).
/// </summary>
internal sealed partial class SetupLinkAnnouncer(
    IHostApplicationLifetime lifetime, IServer server, IConfiguration configuration, IOptions<HttpOptions> http,
    UserRepository users, SetupLink setup, ILogger<SetupLinkAnnouncer> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = AnnounceAsync(lifetime.ApplicationStopping));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The base URL a person opens: the configured public URL, else the address the server listens on.</summary>
    internal string BaseUrl()
    {
        if (!string.IsNullOrEmpty(configuration[$"{HttpOptions.Section}:{nameof(HttpOptions.PublicUrl)}"]))
        {
            return http.Value.PublicUrl.TrimEnd('/');
        }

        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        return (address ?? http.Value.PublicUrl).Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://+", "://localhost", StringComparison.Ordinal).TrimEnd('/');
    }

    private async Task AnnounceAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await users.CountAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                return;
            }

            var token = setup.Issue();
            Console.WriteLine();
            Console.WriteLine("  The dashboard has no account yet. Open this one-time link to create the admin account:");
            Console.WriteLine();
            Console.WriteLine($"      {BaseUrl()}/setup?token={token}");
            Console.WriteLine();
            LogSetupOpen();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSetupFailed(ex);
        }
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "No dashboard account exists: the one-time setup link is printed on the console")]
    private partial void LogSetupOpen();

    [LoggerMessage(EventId = 1302, Level = LogLevel.Error, Message = "Could not check for dashboard accounts; no setup link was made")]
    private partial void LogSetupFailed(Exception exception);
}
