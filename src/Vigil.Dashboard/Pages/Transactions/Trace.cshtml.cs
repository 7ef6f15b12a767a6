using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Traces;
using Vigil.Errors.Issues;
using Vigil.Otlp.Traces;
using Vigil.Storage.Errors;

namespace Vigil.Dashboard.Pages.Transactions;

/// <summary>One kept trace as a span waterfall, with the issues whose events happened in it.</summary>
public sealed class TraceModel(TraceStore traces, IssuesView issues) : PageModel
{
    /// <summary>The trace; null when none of its spans is kept, or the id is not a trace id (the page answers 404).</summary>
    public TraceView? Trace { get; private set; }

    /// <summary>Its spans as waterfall rows, in tree order.</summary>
    public IReadOnlyList<WaterfallRow> Rows { get; private set; } = [];

    /// <summary>The issues with an event in this trace.</summary>
    public IReadOnlyList<StoredIssue> Issues { get; private set; } = [];

    /// <summary>The id asked for (clipped).</summary>
    public string TraceId { get; private set; } = "";

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync(string? traceId)
    {
        traceId ??= string.Empty;
        var cancellationToken = HttpContext.RequestAborted;
        TraceId = traceId.Length > 40 ? traceId[..40] + "…" : traceId;
        if (TransactionPages.IsTraceId(traceId))
        {
            Trace = await traces.TraceAsync(traceId.ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
            Issues = await issues.ForTraceAsync(traceId, cancellationToken).ConfigureAwait(false);
        }

        if (Trace is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        Rows = Waterfall.Of(Trace);
    }
}
