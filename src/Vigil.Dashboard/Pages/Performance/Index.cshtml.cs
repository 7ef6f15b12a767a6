using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Performance.Operations;
using Vigil.Performance.Regressions;
using Vigil.Performance.Slos;
using Vigil.Storage.Performance;

namespace Vigil.Dashboard.Pages.Performance;

/// <summary>Performance tracking at a glance: the operations with their baseline, last hour, trend, regression and bottleneck; the recent regressions; the service-level objectives with their budget and burn rates.</summary>
public sealed class IndexModel(OperationsView operations, RegressionRepository regressions, SloRepository slos) : PageModel
{
    /// <summary>The operations, open regressions first, then slowest p95 first.</summary>
    public IReadOnlyList<OperationView> Operations { get; private set; } = [];

    /// <summary>The latest regressions and improvements.</summary>
    public IReadOnlyList<RegressionView> Regressions { get; private set; } = [];

    /// <summary>The objectives with their status.</summary>
    public IReadOnlyList<(StoredSlo Stored, SloDefinition Definition, SloStatus? Status)> Objectives { get; private set; } = [];

    /// <summary>Reads all three.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Operations = [.. (await operations.ListAsync(null, null, cancellationToken).ConfigureAwait(false))
            .OrderBy(o => o.Regression is null ? 1 : 0)
            .ThenByDescending(o => o.Current?.Figures.P95Ms ?? o.Summary?.Last24h?.P95Ms ?? -1)];
        Regressions = [.. (await regressions.ListAsync(null, null, null, 20, cancellationToken).ConfigureAwait(false)).Select(RegressionView.Of)];
        Objectives = [.. (await slos.ListAsync(cancellationToken).ConfigureAwait(false)).Select(s => (s, SloJson.Read(s.Definition), SloStatus.FromJson(s.Status)))];
    }
}
