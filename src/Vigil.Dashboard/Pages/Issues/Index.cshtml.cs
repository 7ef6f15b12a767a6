using Microsoft.AspNetCore.Mvc.RazorPages;
using Vigil.Dashboard.Charts;
using Vigil.Dashboard.Issues;
using Vigil.Errors.Issues;

namespace Vigil.Dashboard.Pages.Issues;

/// <summary>The issue list: errors grouped into issues, filtered, sorted and paged by the query string, each with its last two hours.</summary>
public sealed class IndexModel(IssuesView issues) : PageModel
{
    /// <summary>The page of issues.</summary>
    public IssueListPage Issues { get; private set; } = new([], null);

    /// <summary>The services that have issues (the filter's choices).</summary>
    public IReadOnlyList<string> Services { get; private set; } = [];

    /// <summary>The offset of this page.</summary>
    public int Offset { get; private set; }

    /// <summary>What is wrong with the filter (the page then answers 400).</summary>
    public IReadOnlyDictionary<string, string> Errors { get; private set; } = new Dictionary<string, string>();

    /// <summary>Reads the page's data.</summary>
    public async Task OnGetAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        Services = await issues.ServicesAsync(cancellationToken).ConfigureAwait(false);
        var parsed = IssuePages.Parse(Request.Query);
        if (parsed.Query is not { } query)
        {
            Errors = parsed.Errors;
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Offset = query.Offset;
        Issues = await issues.ListAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The link to the page at <paramref name="offset"/> with the same filters.</summary>
    public string PageUrl(int offset)
    {
        var query = Request.Query.Where(q => q.Key != "offset").SelectMany(q => q.Value.Select(v => (Name: q.Key, Value: v ?? "")))
            .Append((Name: "offset", Value: offset.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return "/issues?" + string.Join('&', query.Select(q => Uri.EscapeDataString(q.Name) + "=" + Uri.EscapeDataString(q.Value)));
    }

    /// <summary>An issue's sparkline of its events per five minutes over the last two hours; null without any.</summary>
    public static Sparkline? SparklineOf(IssueSummary issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        return issue.Recent.Total == 0 ? null : Sparkline.Of([.. issue.Recent.Counts.Select(c => (double?)c)], null, null, []);
    }
}
