using Vigil.Monitoring.Alerts;

namespace Vigil.Monitoring.Tests.Infrastructure;

/// <summary>Keeps what the monitors report for system_down (the server's sink goes to the alert engine; tested in Server.Tests).</summary>
internal sealed class RecordingAlertSink : IMonitorAlertSink
{
    private readonly Lock _lock = new();
    private readonly List<MonitorAlertReport> _reports = [];

    public IReadOnlyList<MonitorAlertReport> Reports
    {
        get
        {
            lock (_lock)
            {
                return [.. _reports];
            }
        }
    }

    public IReadOnlyList<MonitorAlertReport>? LastReconciled { get; private set; }

    public Task ReportAsync(MonitorAlertReport report, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _reports.Add(report);
        }

        return Task.CompletedTask;
    }

    public Task ReconcileAsync(IReadOnlyList<MonitorAlertReport> down, CancellationToken cancellationToken = default)
    {
        LastReconciled = down;
        return Task.CompletedTask;
    }
}
