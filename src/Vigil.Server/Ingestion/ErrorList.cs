using Vigil.Core.Metrics;

namespace Vigil.Server.Ingestion;

/// <summary>Problems collected by field, bounded so a huge bad batch gets a bounded answer.</summary>
internal sealed class ErrorList
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public bool IsFull => Count >= PointValidator.MaxReportedErrors;

    public void Add(string field, string message)
    {
        Count++;
        if (_errors.Count >= PointValidator.MaxReportedErrors && !_errors.ContainsKey(field))
        {
            return;
        }

        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
}
