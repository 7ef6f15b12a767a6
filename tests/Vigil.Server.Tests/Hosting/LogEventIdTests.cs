using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Vigil.Server.Tests.Hosting;

public sealed class LogEventIdTests
{
    // Every assembly of the server process; the client SDK logs in its users' processes and numbers its own events.
    private static readonly Assembly[] ServerAssemblies =
    [
        typeof(Vigil.Core.Metrics.MetricStore).Assembly,
        typeof(Vigil.Storage.Database).Assembly,
        typeof(Vigil.Jobs.Queue.JobQueue).Assembly,
        typeof(Vigil.Notifications.Delivery.NotificationSender).Assembly,
        typeof(Vigil.Delivery.Channels.ChannelStore).Assembly,
        typeof(Vigil.Server.Alerts.AlertEngine).Assembly,
        typeof(Vigil.Monitoring.Scheduling.MonitorScheduler).Assembly,
        typeof(Vigil.Health.HealthOptions).Assembly,
        typeof(Vigil.Errors.ErrorOptions).Assembly,
    ];

    [Fact]
    public void LoggerMessages_AcrossTheServer_HaveUniqueEventIds()
    {
        var byId = ServerAssemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .GroupBy(x => x.Attribute!.EventId)
            .ToList();

        Assert.True(byId.Count > 40, $"only {byId.Count} logger messages found: the scan is broken");
        var shared = byId.Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => $"{x.Method.DeclaringType!.Name}.{x.Method.Name}"))}").ToList();
        Assert.True(shared.Count == 0, "EventIds used twice: " + string.Join("; ", shared));
    }
}
