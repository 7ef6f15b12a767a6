using System.Reflection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// Who the application is in its spans and error events: its service
/// (<see cref="VigilClientOptions.ServiceName"/>, else the host's application name, else the entry assembly's name), release
/// (<see cref="VigilClientOptions.Release"/>, else <c>name@informational version</c>) and
/// environment (<see cref="VigilClientOptions.Environment"/>, else the host's).
/// </summary>
internal sealed class ClientIdentity
{
    /// <summary>The service of spans when nothing names one (OpenTelemetry's default).</summary>
    public const string UnknownService = "unknown_service";

    public ClientIdentity(IOptions<VigilClientOptions> options, IHostEnvironment? host = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var entry = Assembly.GetEntryAssembly()?.GetName();
        Service = options.Value.ServiceName ?? (host?.ApplicationName is { Length: > 0 } application ? application : entry?.Name) ?? UnknownService;
        var version = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? entry?.Version?.ToString();
        Release = options.Value.Release ?? (entry?.Name is { } name && version is not null ? Clip($"{name}@{version}") : null);
        Environment = options.Value.Environment ?? (host?.EnvironmentName is { Length: > 0 } environment ? Clip(environment) : null);
    }

    public string Service { get; }

    public string? Release { get; }

    public string? Environment { get; }

    private static string Clip(string text) => text.Length > ErrorEventWriter.MaxNameLength ? text[..ErrorEventWriter.MaxNameLength] : text;
}
