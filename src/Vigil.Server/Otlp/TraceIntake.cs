using Vigil.Core.Metrics;
using Vigil.Errors.Issues;
using Vigil.Errors.Otlp;
using Vigil.Otlp.Traces;
using Vigil.Server.Ingestion;
using Vigil.Server.Persistence;
using Vigil.Server.Quotas;

namespace Vigil.Server.Otlp;

/// <summary>
/// The one road of spans into Vigil, whatever protocol brought them (OTLP's <c>/v1/traces</c>, a
/// Sentry envelope's <c>transaction</c>): mapped by <see cref="OtlpTraceReceiver"/>, their series
/// recorded as <c>POST /api/v1/metrics</c> records points (a span whose series is refused is refused
/// whole), then the sampled traces kept by the <see cref="TraceStore"/>, and the spans'
/// <c>exception</c> events recorded as error events.
/// </summary>
internal sealed class TraceIntake(
    OtlpTraceReceiver receiver, TraceStore traces, MetricStore store, MetricPersistence persistence, IngestCounters counters,
    Alerts.EvaluationTrigger trigger, IngestQuotas quotas, ErrorIntake errors)
{
    /// <summary>Records an export's spans; <c>TooMany</c> is the 429 to answer when the key's rate quota refuses them all.</summary>
    public async Task<(OtlpTracesBatch Batch, IResult? TooMany)> RecordAsync(HttpContext context, OtlpTracesRequest export, CancellationToken cancellationToken)
    {
        var batch = receiver.Map(export, store.Options.MaxPointsPerBatch);
        if (await OtlpEndpoints.RecordAsync(context, batch, store, persistence, counters, trigger, quotas, cancellationToken).ConfigureAwait(false) is { } tooMany)
        {
            return (batch, tooMany);
        }

        var spans = batch.AcceptedSpans;
        await traces.SaveAsync(spans, cancellationToken).ConfigureAwait(false);
        await RecordExceptionsAsync(spans, cancellationToken).ConfigureAwait(false);
        counters.AcceptedBatches.Add(1);
        return (batch, null);
    }

    /// <summary>The <c>exception</c> events of the spans, as error events into their issues (docs/ERRORS.md).</summary>
    private async Task RecordExceptionsAsync(IReadOnlyList<TraceSpan> spans, CancellationToken cancellationToken)
    {
        foreach (var span in spans)
        {
            for (var i = 0; i < span.Events.Count; i++)
            {
                var spanEvent = span.Events[i];
                if (spanEvent.Name == OtlpExceptions.EventName
                    && OtlpExceptions.From(span.TraceId, span.SpanId, i, spanEvent.TimeUnixNano, span.Service, span.Route, spanEvent.Attributes, span.Attributes) is { } error)
                {
                    await errors.RecordAsync(error, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }
}
