using System.Text;
using Vigil.Core.Metrics;
using Vigil.Core.Queries;
using Vigil.Dashboard.Overview;

namespace Vigil.Dashboard.Explore;

/// <summary>
/// The explorer's query as its URL holds it: <c>metric</c>, <c>match[label]=value</c>, <c>agg</c>,
/// <c>step</c> (empty: chosen from the range) and <c>range</c> (<c>15m</c> to <c>7d</c>, or
/// <c>from</c>/<c>to</c>). Read with the same parser as <c>GET /api/v1/series</c>.
/// </summary>
/// <param name="Metric">The metric ("" when none is chosen yet).</param>
/// <param name="Matchers">The label matchers.</param>
/// <param name="Agg">The aggregation's name as given ("" for the default).</param>
/// <param name="StepText">The step as given ("" for automatic).</param>
/// <param name="RangeText">The range as given ("" for the default).</param>
/// <param name="FromText">The start as given, if any.</param>
/// <param name="ToText">The end as given, if any.</param>
public sealed record ExploreQuery(
    string Metric, IReadOnlyList<KeyValuePair<string, string>> Matchers, string Agg, string StepText, string RangeText, string FromText, string ToText)
{
    /// <summary>The longest range the explorer takes.</summary>
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(31);

    /// <summary>The parameters besides <c>match[label]</c>.</summary>
    private static readonly string[] Own = ["metric", "agg", "step", "range", "from", "to"];

    /// <summary>Whether a metric was chosen.</summary>
    public bool HasMetric => Metric.Length > 0;

    /// <summary>Reads the query from the URL's parameters; unknown ones are left out.</summary>
    public static ExploreQuery From(IQueryCollection query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var matchers = new List<KeyValuePair<string, string>>();
        foreach (var (key, values) in query)
        {
            if (key.StartsWith("match[", StringComparison.Ordinal) && key.EndsWith(']') && key.Length > 7)
            {
                matchers.Add(new(key[6..^1], values.ToString()));
            }
        }

        string Get(string name) => query[name].ToString().Trim();
        return new ExploreQuery(Get("metric"), matchers, Get("agg"), Get("step"), Get("range"), Get("from"), Get("to"));
    }

    /// <summary>
    /// Reads <c>k=v, k2=v2</c> (commas or new lines) into matchers; a malformed part gives a problem.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>>? ParseLabels(string? text, out string? problem)
    {
        problem = null;
        var matchers = new List<KeyValuePair<string, string>>();
        foreach (var part in (text ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                problem = $"'{part}' is not label=value";
                return null;
            }

            matchers.Add(new(part[..eq].Trim(), part[(eq + 1)..].Trim()));
        }

        return matchers;
    }

    /// <summary>The matchers as the form's text shows them.</summary>
    public string LabelsText => string.Join(", ", Matchers.Select(m => $"{m.Key}={m.Value}"));

    /// <summary>
    /// The series query, or null with the problems by field. The range decides the default step
    /// (about 100 points); an unknown aggregation, a bad step or a bad range is a field problem.
    /// </summary>
    public SeriesQuerySpec? ToSpec(long nowMs, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var range = OverviewRange.Default.Duration;
        if (RangeText.Length > 0)
        {
            if (!QueryText.TryParseDuration(RangeText, out range) || range > MaxRange || range < TimeSpan.FromSeconds(10))
            {
                errors["range"] = ["must be a duration from 10s to 31d, e.g. 15m, 1h, 6h, 24h or 7d"];
                range = OverviewRange.Default.Duration;
            }
        }

        var parameters = new List<KeyValuePair<string, string>> { new("metric", Metric) };
        parameters.AddRange(Matchers.Select(m => KeyValuePair.Create($"match[{m.Key}]", m.Value)));
        if (Agg.Length > 0)
        {
            parameters.Add(new("agg", Agg));
        }

        if (FromText.Length > 0)
        {
            parameters.Add(new("from", FromText));
        }

        if (ToText.Length > 0)
        {
            parameters.Add(new("to", ToText));
        }

        if (StepText.Length > 0)
        {
            parameters.Add(new("step", StepText));
        }

        var spec = SeriesQuerySpec.Parse(parameters, nowMs, range, errors);
        if (spec is null || errors.Count > 0)
        {
            return null;
        }

        if (spec.To - spec.From > MaxRange)
        {
            errors["from"] = ["the range may be at most 31 days"];
            return null;
        }

        return spec.Step is null ? spec with { Step = OverviewRange.StepFor(spec.To - spec.From) } : spec;
    }

    /// <summary>The explorer's URL for this query (only the parameters that are set).</summary>
    public string Url() => Link(Metric, Matchers, Agg, StepText, RangeText, FromText, ToText);

    /// <summary>The data URL of this query's chart; with <paramref name="labels"/>, of that one series only.</summary>
    public string DataUrl(LabelSet? labels = null)
    {
        var matchers = labels is null ? Matchers : labels.Pairs;
        var url = "/ui/data/series" + Link(Metric, matchers, Agg, StepText, RangeText, FromText, ToText)["/explore".Length..];
        return labels is null ? url : url + "&exact=true";
    }

    /// <summary>
    /// A link to the explorer, e.g. from an alert: <c>/explore?metric=...&amp;match[k]=v&amp;agg=p95</c>.
    /// Empty values are left out.
    /// </summary>
    public static string Link(string metric, IEnumerable<KeyValuePair<string, string>>? matchers = null, string? agg = null, string? step = null, string? range = null, string? from = null, string? to = null)
    {
        var url = new StringBuilder("/explore");
        var first = true;
        void Add(string name, string? value)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            url.Append(first ? '?' : '&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }

        Add("metric", metric);
        foreach (var (key, value) in matchers ?? [])
        {
            // A matcher on the empty value is kept: it asks for series without that label.
            url.Append(first ? '?' : '&').Append("match[").Append(Uri.EscapeDataString(key)).Append("]=").Append(Uri.EscapeDataString(value));
            first = false;
        }

        Add("agg", agg);
        Add("step", step);
        Add("range", range);
        Add("from", from);
        Add("to", to);
        return url.ToString();
    }

    /// <summary>Whether <paramref name="name"/> is a parameter the explorer reads.</summary>
    public static bool IsOwn(string name) => Own.Contains(name) || name.StartsWith("match[", StringComparison.Ordinal);
}
