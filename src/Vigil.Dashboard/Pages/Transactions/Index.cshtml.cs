using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Traces;
using Vigil.Otlp.Traces;

namespace Vigil.Dashboard.Pages.Transactions;

/// <summary>The transactions of the kept traces, newest first, filtered by the query string; each links to its trace's waterfall.</summary>
public sealed class IndexModel(TraceStore traces, TimeProvider time) : PageModel
{
    /// <summary>The transactions shown.</summary>
    public IReadOnlyList<TransactionView> Transactions { get; private set; } = [];

    /// <summary>The services with kept transactions (the filter's choices).</summary>
    public IReadOnlyList<string> Services { get; private set; } = [];

    /// <summary>What is wrong with the filter (the page then answers 400).</summary>
    public IReadOnlyDictionary<string, string> Errors { get; private set; } = new Dictionary<string, string>();

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Services = await traces.ServicesAsync(cancellationToken).ConfigureAwait(false);
        var parsed = TransactionPages.Parse(Request.Query, time.GetUtcNow());
        if (parsed.Query is not { } query)
        {
            Errors = parsed.Errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Transactions = await traces.TransactionsAsync(query, cancellationToken).ConfigureAwait(false);
    }
}
