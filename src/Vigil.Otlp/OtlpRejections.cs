using System.Globalization;

namespace Vigil.Otlp;

/// <summary>
/// The items of an export (data points, spans) refused so far, by index, and why: each distinct
/// reason once, the first few in full, for the answer's <c>partial_success.error_message</c>.
/// </summary>
internal sealed class OtlpRejections
{
    private const int MaxProblems = 5;
    private readonly HashSet<int> _rejected = [];
    private readonly List<string> _problems = [];
    private int _moreProblems;

    /// <summary>How many items were refused.</summary>
    public int Count => _rejected.Count;

    /// <summary>What was refused; null when nothing was.</summary>
    public string? ErrorMessage => _problems.Count == 0 ? null
        : string.Join("; ", _problems) + (_moreProblems > 0 ? string.Create(CultureInfo.InvariantCulture, $"; and {_moreProblems} more") : "");

    /// <summary>Whether the item at <paramref name="index"/> was refused.</summary>
    public bool Contains(int index) => _rejected.Contains(index);

    /// <summary>Refuses an item; the reason is reported once per distinct text.</summary>
    public void Add(int index, string problem)
    {
        if (!_rejected.Add(index) || _problems.Contains(problem))
        {
            return;
        }

        if (_problems.Count < MaxProblems)
        {
            _problems.Add(problem);
        }
        else
        {
            _moreProblems++;
        }
    }
}
