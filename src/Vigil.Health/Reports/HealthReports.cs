using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Vigil.Health.Reports;

/// <summary>
/// Runs ASP.NET Core's <see cref="HealthCheckService"/> for a selection of checks — all of
/// <c>GET /api/health</c>, one by name, or the readiness ones — and shares each selection's report
/// for <see cref="HealthOptions.CacheDuration"/>: concurrent and repeated callers within it get the
/// same run (single flight), so health polling never multiplies database probes. The selections
/// are a fixed, small set (the registered names plus two), so the memo stays bounded.
/// </summary>
public sealed class HealthReports
{
    private const string FullKey = "\0full";
    private const string ReadyKey = "\0ready";

    private readonly HealthCheckService _service;
    private readonly IOptionsMonitor<HealthOptions> _options;
    private readonly TimeProvider _time;
    private readonly HashSet<string> _names;
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    /// <summary>Creates the reports over the registered checks.</summary>
    public HealthReports(HealthCheckService service, IOptions<HealthCheckServiceOptions> registrations, IOptionsMonitor<HealthOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(registrations);
        _service = service;
        _options = options;
        _time = time;
        Registrations = [.. registrations.Value.Registrations];
        _names = new HashSet<string>(Registrations.Select(r => r.Name), StringComparer.Ordinal);
    }

    /// <summary>The registered checks.</summary>
    public IReadOnlyList<HealthCheckRegistration> Registrations { get; }

    /// <summary>Whether a check of this name is registered.</summary>
    public bool Has(string name) => _names.Contains(name);

    /// <summary>Every check except the detail ones (<see cref="VigilHealthChecks.DetailTag"/>): the report of <c>GET /api/health</c>.</summary>
    public Task<HealthReport> FullAsync(CancellationToken cancellationToken = default) =>
        GetAsync(FullKey, r => !r.Tags.Contains(VigilHealthChecks.DetailTag), cancellationToken);

    /// <summary>The checks readiness depends on (<see cref="VigilHealthChecks.ReadyTag"/>).</summary>
    public Task<HealthReport> ReadyAsync(CancellationToken cancellationToken = default) =>
        GetAsync(ReadyKey, r => r.Tags.Contains(VigilHealthChecks.ReadyTag), cancellationToken);

    /// <summary>One check by name; null when no check has that name.</summary>
    public async Task<HealthReport?> OneAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _names.Contains(name)
            ? await GetAsync(name, r => r.Name == name, cancellationToken).ConfigureAwait(false)
            : null;
    }

    private Task<HealthReport> GetAsync(string key, Func<HealthCheckRegistration, bool> predicate, CancellationToken cancellationToken)
    {
        var ttl = _options.CurrentValue.CacheDuration;
        while (true)
        {
            if (_runs.TryGetValue(key, out var run) && (!run.Report.IsCompleted || _time.GetElapsedTime(run.StartedAt) < ttl))
            {
                return run.Report.WaitAsync(cancellationToken);
            }

            // The run is shared: one caller giving up does not cancel it for the others (each check has its own timeout).
            var fresh = new Run(new Lazy<Task<HealthReport>>(() => _service.CheckHealthAsync(predicate, CancellationToken.None)), _time.GetTimestamp());
            var won = run is null ? _runs.TryAdd(key, fresh) : _runs.TryUpdate(key, fresh, run);
            if (won)
            {
                return fresh.Report.WaitAsync(cancellationToken);
            }
        }
    }

    private sealed class Run(Lazy<Task<HealthReport>> report, long startedAt)
    {
        public Task<HealthReport> Report => report.Value;

        public long StartedAt { get; } = startedAt;
    }
}
