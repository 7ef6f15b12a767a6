using System.Globalization;
using System.Text;
using Vigil.Core.Metrics;
using Vigil.Server.Hosting;
using Vigil.Server.Ingestion;

namespace Vigil.Server.Prometheus;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: Vigil's own metrics, then every series
/// in memory — timings as summaries in seconds (quantiles over the last 10 minutes, <c>_sum</c>
/// and <c>_count</c> since the series appeared in this process), counters as <c>_total</c>
/// counters, gauges with their latest value.
/// </summary>
internal sealed class PrometheusExporter
{
    /// <summary>The content type of the text format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>The sliding window of summary quantiles (Prometheus client libraries use 10 minutes).</summary>
    public static readonly TimeSpan QuantileWindow = TimeSpan.FromMinutes(10);

    private static readonly double[] Quantiles = [0.5, 0.9, 0.95, 0.99];
    private readonly MetricStore _store;
    private readonly IngestCounters _counters;
    private readonly TimeProvider _time;
    private readonly ProcessClock _clock;
    private readonly Alerts.AlertEngine _engine;
    private readonly Vigil.Delivery.Maintenance.DeliveryGauges _delivery;

    public PrometheusExporter(MetricStore store, IngestCounters counters, TimeProvider time, Alerts.AlertEngine engine, Vigil.Delivery.Maintenance.DeliveryGauges delivery, ProcessClock clock)
    {
        _clock = clock;
        _engine = engine;
        _delivery = delivery;
        _store = store;
        _counters = counters;
        _time = time;
    }

    /// <summary>The exported name of a metric: base units and Prometheus suffixes.</summary>
    public static string ExportedName(string name, MetricType type) => type switch
    {
        MetricType.Timing => StripSuffix(StripSuffix(name, "_ms"), "_milliseconds") is var b && b.EndsWith("_seconds", StringComparison.Ordinal) ? b : b + "_seconds",
        MetricType.Counter => name.EndsWith("_total", StringComparison.Ordinal) ? name : name + "_total",
        _ => name,
    };

    /// <summary>Writes the exposition; <paramref name="filter"/> limits the ingested series written.</summary>
    public async Task WriteAsync(TextWriter writer, bool includeOwn, Func<MetricSeries, bool>? filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var builder = new StringBuilder(4096);
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (includeOwn)
        {
            WriteOwn(builder, written);
        }

        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var windowFrom = nowMs - (long)QuantileWindow.TotalMilliseconds;
        var accumulator = new WindowAccumulator();
        foreach (var family in _store.Families.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            var exported = ExportedName(family.Name, family.Type);
            var headerWritten = false;
            foreach (var series in family.Series)
            {
                if (filter is not null && !filter(series))
                {
                    continue;
                }

                if (!headerWritten)
                {
                    if (!written.Add(exported))
                    {
                        break; // two Vigil names map to one exported name; the first wins
                    }

                    var (kind, help) = family.Type switch
                    {
                        MetricType.Timing => ("summary", $"Vigil timing {family.Name} in seconds; quantiles over the last 10 minutes."),
                        MetricType.Counter => ("counter", $"Vigil counter {family.Name}: sum of increments since the series appeared in this process."),
                        _ => ("gauge", $"Vigil gauge {family.Name}: the latest value."),
                    };
                    builder.Append("# HELP ").Append(exported).Append(' ').Append(help).Append('\n');
                    builder.Append("# TYPE ").Append(exported).Append(' ').Append(kind).Append('\n');
                    headerWritten = true;
                }

                switch (family.Type)
                {
                    case MetricType.Timing:
                        accumulator.Reset();
                        series.AggregateInto(accumulator, windowFrom, long.MaxValue);
                        foreach (var q in Quantiles)
                        {
                            var value = accumulator.Quantile(q);
                            Sample(builder, exported, series.Labels, ("quantile", Format(q)), value is null ? double.NaN : value.Value / 1000);
                        }

                        Sample(builder, exported + "_sum", series.Labels, null, series.TotalSum / 1000);
                        Sample(builder, exported + "_count", series.Labels, null, series.TotalCount);
                        break;
                    case MetricType.Counter:
                        Sample(builder, exported, series.Labels, null, series.TotalSum);
                        break;
                    default:
                        Sample(builder, exported, series.Labels, null, series.LastValue);
                        break;
                }

                if (builder.Length > 64 * 1024)
                {
                    await writer.WriteAsync(builder, cancellationToken).ConfigureAwait(false);
                    builder.Clear();
                }
            }
        }

        accumulator.Reset();
        await writer.WriteAsync(builder, cancellationToken).ConfigureAwait(false);
    }

    private void WriteOwn(StringBuilder builder, HashSet<string> written)
    {
        Own(builder, written, "vigil_ingested_points_total", "counter", "Points recorded since start.", _store.IngestedPoints);
        Own(builder, written, "vigil_ingest_batches_accepted_total", "counter", "Ingest requests accepted since start.", _counters.AcceptedBatches.Value);
        Own(builder, written, "vigil_ingest_batches_rejected_total", "counter", "Ingest requests rejected (invalid, too many series) since start.", _counters.RejectedBatches.Value);
        Own(builder, written, "vigil_series_active", "gauge", "Series held in memory that count against the series limit (all but Vigil's own).", _store.SeriesCount);
        Own(builder, written, "vigil_series_own", "gauge", "Vigil's own vigil_ series held in memory (outside the series limit).", _store.OwnSeriesCount);
        Own(builder, written, "vigil_series_limit", "gauge", "The series limit (Vigil:Metrics:MaxSeries).", _store.Options.MaxSeries);
        Own(builder, written, "vigil_series_refused_total", "counter", "New series refused because the series limit was reached.", _store.RefusedSeries);
        Own(builder, written, "vigil_series_evicted_total", "counter", "Series evicted from memory after an hour without points (their history stays in the rollups).", _store.EvictedSeries);
        var lastPass = _engine.LastPassAt ?? _clock.StartedAt;
        Own(builder, written, "vigil_alert_evaluation_lag_seconds", "gauge", "Seconds since the last alert evaluation pass finished (alerts when over three ticks).", (_time.GetUtcNow() - lastPass).TotalSeconds);
        Own(builder, written, "vigil_alert_evaluation_failures_total", "counter", "Alert evaluation passes that threw.", _engine.FailedPasses);
        Own(builder, written, "vigil_start_time_seconds", "gauge", "When this Vigil process started, Unix seconds.", _clock.StartedAt.ToUnixTimeMilliseconds() / 1000.0);
        var delivery = _delivery.Latest;
        if (delivery.Counts is { } c)
        {
            OwnByLabel(builder, written, "vigil_jobs", "Delivery jobs by state (sampled every 10 s).", "state",
                [("queued", c.Queued), ("retrying", c.Retrying), ("processing", c.Processing), ("succeeded", c.Succeeded), ("dead", c.Dead), ("expired_lease", c.ExpiredLeases)]);
        }

        if (delivery.Destinations.Count > 0)
        {
            OwnByLabel(builder, written, "vigil_delivery_breaker_open", "Whether a destination's circuit breaker is open or half open (1) or closed (0).", "destination",
                [.. delivery.Destinations.Select(d => (d.Destination, d.State == Vigil.Notifications.Resilience.BreakerState.Closed ? 0.0 : 1.0))]);
        }
    }

    private static void OwnByLabel(StringBuilder builder, HashSet<string> written, string name, string help, string label, IReadOnlyList<(string Value, double Reading)> samples)
    {
        written.Add(name);
        builder.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        builder.Append("# TYPE ").Append(name).Append(" gauge\n");
        foreach (var (value, reading) in samples)
        {
            builder.Append(name).Append('{').Append(label).Append("=\"");
            LabelSet.AppendEscaped(builder, value);
            builder.Append("\"} ").Append(reading.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static void Own(StringBuilder builder, HashSet<string> written, string name, string kind, string help, double value)
    {
        written.Add(name);
        builder.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        builder.Append("# TYPE ").Append(name).Append(' ').Append(kind).Append('\n');
        Sample(builder, name, LabelSet.Empty, null, value);
    }

    private static void Sample(StringBuilder builder, string name, LabelSet labels, (string Name, string Value)? extra, double value)
    {
        builder.Append(name);
        if (labels.Count > 0 || extra is not null)
        {
            builder.Append('{');
            labels.AppendTo(builder);
            if (extra is { } e)
            {
                if (labels.Count > 0)
                {
                    builder.Append(',');
                }

                builder.Append(e.Name).Append("=\"").Append(e.Value).Append('"');
            }

            builder.Append('}');
        }

        builder.Append(' ').Append(Format(value)).Append('\n');
    }

    private static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private static string StripSuffix(string name, string suffix) =>
        name.EndsWith(suffix, StringComparison.Ordinal) && name.Length > suffix.Length ? name[..^suffix.Length] : name;
}
