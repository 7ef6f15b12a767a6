using Microsoft.Extensions.Options;
using Vigil.Storage.Metrics;

namespace Vigil.Health.Resources;

/// <summary>
/// Vigil's own uptime (seed 003's "uptime &gt; 99.9 %" target): the share of the minutes of the
/// last <see cref="Period"/> (or since the first sample, when younger) in which a Vigil process
/// stored a resource sample (<see cref="ResourceSeries.CpuPercent"/>, every 10 s while a process
/// runs). A minute counts when any node sampled in it: with several nodes this is the service's
/// uptime, not one process's. Counted from the stored rollups at most once a minute; the two
/// newest minutes are left out because the rollup flusher may not have written them yet.
/// </summary>
internal sealed class OwnUptime(RollupRepository rollups, IOptions<HealthOptions> options, TimeProvider time)
{
    /// <summary>How far back the uptime looks.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromDays(30);

    private const long MinuteMs = 60_000;
    private long _countedAtMs = long.MinValue;
    private volatile UptimeFigure? _latest;

    /// <summary>The latest count; null before the first or when there is no sample older than the left-out minutes.</summary>
    public UptimeFigure? Latest => _latest;

    /// <summary>Counts again when the last count is a minute old (or <paramref name="force"/>).</summary>
    public async Task RefreshAsync(bool force, CancellationToken cancellationToken)
    {
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!force && nowMs - _countedAtMs < MinuteMs)
        {
            return;
        }

        _countedAtMs = nowMs;
        var toMs = (nowMs / MinuteMs * MinuteMs) - MinuteMs;
        var firstMs = await rollups.FirstMinuteAsync(ResourceSeries.CpuPercent, toMs - (long)Period.TotalMilliseconds, cancellationToken).ConfigureAwait(false);
        if (firstMs is not { } fromMs || fromMs >= toMs)
        {
            _latest = null;
            return;
        }

        // A sample interval over a minute leaves minutes without a sample by design.
        var slotMs = Math.Max(MinuteMs, (long)options.Value.ResourceSampleInterval.TotalMilliseconds);
        var expected = (toMs - fromMs + slotMs - 1) / slotMs;
        var present = await rollups.CountMetricRowsAsync(ResourceSeries.CpuPercent, fromMs, toMs, expected, cancellationToken).ConfigureAwait(false);
        _latest = new UptimeFigure(Math.Round(100.0 * present / expected, 3), fromMs, toMs);
    }
}

/// <summary>Vigil's own uptime over <c>[FromMs, ToMs)</c>, percent.</summary>
internal sealed record UptimeFigure(double Percent, long FromMs, long ToMs);
