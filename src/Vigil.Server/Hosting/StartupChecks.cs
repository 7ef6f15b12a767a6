using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Vigil.Server.Rules;

namespace Vigil.Server.Hosting;

/// <summary>
/// What is checked before the host starts (and so before migrations, background services or
/// the database file): every option (the <c>ValidateOnStart</c> ones, the connection string
/// among them), the default rules file and the addresses the server will listen on. A failure is one line naming the
/// cause and the setting, not an unhandled exception with a stack trace.
/// </summary>
internal static partial class StartupChecks
{
    /// <summary>Exit code of a bad setting.</summary>
    public const int BadSetting = 2;

    /// <summary>Exit code of any other start-up failure.</summary>
    public const int Failed = 1;

    /// <summary>Where the server listens: <c>--urls</c>, <c>ASPNETCORE_URLS</c> or the <c>urls</c> setting.</summary>
    public const string UrlsSetting = "--urls / ASPNETCORE_URLS";

    /// <summary>The first problem that would stop the server, or null when it can start.</summary>
    /// <param name="services">The built application's services.</param>
    /// <param name="urls">The addresses it will listen on, <c>;</c>-separated; null when Kestrel's own endpoint configuration decides.</param>
    public static StartupProblem? Run(IServiceProvider services, string? urls)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (RetiredSetting(services.GetRequiredService<IConfiguration>()) is { } retired)
        {
            return retired;
        }

        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (OptionsValidationException ex)
        {
            return new(Describe(ex), BadSetting);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
        {
            return new(string.Join(Environment.NewLine, ex.InnerExceptions.Cast<OptionsValidationException>().Select(Describe)), BadSetting);
        }
        catch (InvalidOperationException ex)
        {
            // A value that does not convert ("Failed to convert configuration value at 'Vigil:Metrics:MaxSeries' to type 'System.Int32'.").
            return new(ex.Message, BadSetting);
        }

        try
        {
            var defaults = services.GetRequiredService<DefaultRules>().Resolve();
            _ = DefaultRules.Parse(File.ReadAllText(defaults), defaults);
        }
        catch (InvalidOperationException ex)
        {
            return new(ex.Message, BadSetting);
        }
        catch (IOException ex)
        {
            return new($"{RulesOptions.Section}:{nameof(RulesOptions.DefaultsFile)} cannot be read: {ex.Message}", BadSetting);
        }
        catch (UnauthorizedAccessException ex)
        {
            return new($"{RulesOptions.Section}:{nameof(RulesOptions.DefaultsFile)} cannot be read: {ex.Message}", BadSetting);
        }

        return urls is null ? null : CheckAddresses(urls);
    }

    /// <summary>A setting an earlier release read that this one would silently ignore, with what replaced it.</summary>
    internal static StartupProblem? RetiredSetting(IConfiguration configuration)
    {
        foreach (var (setting, replacement) in Retired)
        {
            if (configuration.GetSection(setting).Exists())
            {
                return new($"{setting} is no longer read: {replacement}", BadSetting);
            }
        }

        return null;
    }

    private static readonly (string Setting, string Replacement)[] Retired =
    [
        ("Vigil:Delivery:RateLimitPermits", "set Vigil:Delivery:RateLimits:<Type>:Permits per channel type (Slack, Discord, Teams, Webhook, Email) instead."),
        ("Vigil:Delivery:RateLimitPeriod", "set Vigil:Delivery:RateLimits:<Type>:Period per channel type (Slack, Discord, Teams, Webhook, Email) instead."),
    ];

    /// <summary>Whether each address can be listened on now (another process may hold the port).</summary>
    internal static StartupProblem? CheckAddresses(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException ex)
            {
                return new($"{UrlsSetting}: '{url}' is not an address to listen on ({ex.Message}); use e.g. http://127.0.0.1:5080.", BadSetting);
            }

            if (address.IsUnixPipe || address.Port == 0)
            {
                continue;
            }

            var ip = address.Host switch
            {
                "localhost" => IPAddress.Loopback,
                _ when IPAddress.TryParse(address.Host.Trim('[', ']'), out var parsed) => parsed,
                _ => IPAddress.Any, // *, + and host names: Kestrel listens on every interface
            };
            using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (OperatingSystem.IsWindows())
            {
                socket.ExclusiveAddressUse = true;
            }
            else
            {
                // As Kestrel does: a port a stopped server left in TIME_WAIT is free.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            try
            {
                socket.Bind(new IPEndPoint(ip, address.Port));
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                return new($"{url} is already in use by another process: stop it, or listen elsewhere with {UrlsSetting} (e.g. --urls http://127.0.0.1:5081).", Failed);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AccessDenied)
            {
                return new($"{url} cannot be listened on: permission denied (ports below 1024 need privileges); choose another with {UrlsSetting}.", Failed);
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressNotAvailable)
            {
                return new($"{url} cannot be listened on: {ip} is not an address of this machine; choose another with {UrlsSetting}.", BadSetting);
            }
        }

        return null;
    }

    /// <summary>One line per failure, each naming the setting (<c>Vigil:Metrics:MaxSeries: …</c>).</summary>
    private static string Describe(OptionsValidationException exception)
    {
        var section = exception.OptionsType.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
            ?? exception.OptionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string;
        return string.Join(Environment.NewLine, exception.Failures.Select(failure =>
        {
            var match = DataAnnotationFailure().Match(failure);
            var (member, error) = match.Success ? (match.Groups["member"].Value, match.Groups["error"].Value) : (null, failure);
            if (error.Contains("Vigil:", StringComparison.Ordinal) || section is null)
            {
                return error;
            }

            return member is null ? $"{section}: {error}" : $"{section}:{member}: {error}";
        }));
    }

    [GeneratedRegex("^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']*)' with the error: '(?<error>.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
