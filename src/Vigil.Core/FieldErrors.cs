namespace Vigil.Core;

/// <summary>
/// Problems collected by field (JSON names, <c>points[3].labels.route</c>), each field's messages
/// in the order found, for a problem+json answer. With a bound on the fields, a huge bad input gets
/// a bounded answer: fields past it are dropped while <see cref="Count"/> keeps counting.
/// </summary>
/// <param name="maxFields">The most fields kept.</param>
public sealed class FieldErrors(int maxFields = int.MaxValue)
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    /// <summary>How many problems were added (those dropped past the bound too).</summary>
    public int Count { get; private set; }

    /// <summary>Whether as many problems were added as fields are kept: checking further is wasted.</summary>
    public bool IsFull => Count >= maxFields;

    /// <summary>Whether <paramref name="field"/> has a problem.</summary>
    public bool Has(string field) => _errors.ContainsKey(field);

    /// <summary>Adds a problem of <paramref name="field"/>.</summary>
    public void Add(string field, string message)
    {
        Count++;
        if (_errors.Count >= maxFields && !_errors.ContainsKey(field))
        {
            return;
        }

        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    /// <summary>The problems, by field.</summary>
    public Dictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal);
}
