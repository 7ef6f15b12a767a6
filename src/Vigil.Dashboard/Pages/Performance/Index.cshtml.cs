using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Vigil.Dashboard.Charts;
using Vigil.Performance;
using Vigil.Performance.Operations;
using Vigil.Performance.Regressions;
using Vigil.Performance.Slos;
using Vigil.Storage.Performance;

namespace Vigil.Dashboard.Pages.Performance;

/// <summary>Performance tracking at a glance: the operations with their baseline, last hour, 48-hour sparkline, trend, regression and bottleneck; the recent regressions; the service-level objectives with their budget and burn rates.</summary>
public sealed class IndexModel(OperationsView operations, RegressionRepository regressions, SloRepository slos, IOptionsMonitor<PerformanceOptions> options) : PageModel
{
    /// <summary>The hours a sparkline spans.</summary>
    public const int TrailHours = 48;

    private const long HourMs = 3_600_000;

    private IReadOnlyDictionary<string, OperationTrail> _trails = new Dictionary<string, OperationTrail>();

    /// <summary>The operations, open regressions first, then slowest p95 first.</summary>
    public IReadOnlyList<OperationView> Operations { get; private set; } = [];

    /// <summary>The latest regressions and improvements.</summary>
    public IReadOnlyList<RegressionView> Regressions { get; private set; } = [];

    /// <summary>The objectives with their status.</summary>
    public IReadOnlyList<(StoredSlo Stored, SloDefinition Definition, SloStatus? Status)> Objectives { get; private set; } = [];

    /// <summary>Reads all three, and the operations' last 48 hours.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Operations = [.. (await operations.ListAsync(null, null, cancellationToken).ConfigureAwait(false))
            .OrderBy(o => o.Regression is null ? 1 : 0)
            .ThenByDescending(o => o.Current?.Figures.P95Ms ?? o.Summary?.Last24h?.P95Ms ?? -1)];
        _trails = await operations.TrailsAsync(TrailHours, cancellationToken).ConfigureAwait(false);
        Regressions = [.. (await regressions.ListAsync(null, null, null, 20, cancellationToken).ConfigureAwait(false)).Select(RegressionView.Of)];
        Objectives = [.. (await slos.ListAsync(cancellationToken).ConfigureAwait(false)).Select(s => (s, SloJson.Read(s.Definition), SloStatus.FromJson(s.Status)))];
    }

    /// <summary>
    /// An operation's hourly p95 over the last 48 hours, the band its baseline allows (± the change
    /// percent) and a marker where its open regression began; null when it has no summed hour in them.
    /// </summary>
    public Sparkline? SparklineOf(OperationView operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (!_trails.TryGetValue(operation.Id, out var trail))
        {
            return null;
        }

        var share = options.CurrentValue.ChangePercent / 100;
        var expected = operation.Baseline?.Figures.P95Ms;
        double[] markers = operation.Regression is { } regression
            ? [(regression.StartedAt.ToUnixTimeMilliseconds() - trail.FromMs - (HourMs / 2)) / (double)HourMs] // hour i's value is drawn at its middle
            : [];
        return Sparkline.Of(trail.P95Ms, expected * (1 - share), expected * (1 + share), markers);
    }
}
