namespace Vigil.Dashboard;

/// <summary>The filters of a page's query string, read one parameter at a time.</summary>
public static class QueryFilters
{
    /// <summary>
    /// The trimmed value of <paramref name="name"/>, or null when absent or blank; given more than
    /// once or longer than <paramref name="maxLength"/>, null with a message in <paramref name="errors"/>.
    /// </summary>
    public static string? One(IQueryCollection query, string name, int maxLength, IDictionary<string, string> errors)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(errors);
        var values = query[name];
        if (values.Count > 1)
        {
            errors[name] = "is given more than once";
            return null;
        }

        var text = values.ToString().Trim();
        if (text.Length > maxLength)
        {
            errors[name] = $"is longer than {maxLength} characters";
            return null;
        }

        return text.Length == 0 ? null : text;
    }
}
