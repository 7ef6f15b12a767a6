using System.Text;

namespace Vigil.Core.Metrics;

/// <summary>
/// An immutable set of label names and values, sorted by name, so that two sets with the
/// same pairs are equal however they were written.
/// </summary>
public sealed class LabelSet : IEquatable<LabelSet>
{
    private readonly KeyValuePair<string, string>[] _pairs;
    private int _hash;

    /// <summary>The set with no labels.</summary>
    public static LabelSet Empty { get; } = new([]);

    private LabelSet(KeyValuePair<string, string>[] sortedPairs) => _pairs = sortedPairs;

    /// <summary>The pairs, sorted by label name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pairs => _pairs;

    /// <summary>Number of labels.</summary>
    public int Count => _pairs.Length;

    /// <summary>Builds a set from any pairs; a later duplicate name replaces an earlier one.</summary>
    public static LabelSet From(IEnumerable<KeyValuePair<string, string>>? pairs)
    {
        if (pairs is null)
        {
            return Empty;
        }

        // Label sets are small: an insertion sort into an array beats a sorted dictionary.
        var buffer = pairs.TryGetNonEnumeratedCount(out var count) ? new KeyValuePair<string, string>[count] : [];
        var length = 0;
        foreach (var pair in pairs)
        {
            var at = length;
            var replaced = false;
            for (var i = 0; i < length; i++)
            {
                var order = string.CompareOrdinal(buffer[i].Key, pair.Key);
                if (order == 0)
                {
                    buffer[i] = pair;
                    replaced = true;
                    break;
                }

                if (order > 0)
                {
                    at = i;
                    break;
                }
            }

            if (replaced)
            {
                continue;
            }

            if (length == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Max(4, length * 2));
            }

            Array.Copy(buffer, at, buffer, at + 1, length - at);
            buffer[at] = pair;
            length++;
        }

        if (length == 0)
        {
            return Empty;
        }

        if (length != buffer.Length)
        {
            Array.Resize(ref buffer, length);
        }

        return new LabelSet(buffer);
    }

    /// <summary>The value of a label, or null.</summary>
    public string? this[string name]
    {
        get
        {
            foreach (var pair in _pairs)
            {
                if (string.Equals(pair.Key, name, StringComparison.Ordinal))
                {
                    return pair.Value;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Whether every matcher holds: the label has exactly the value, where an empty value
    /// matches a set without the label.
    /// </summary>
    public bool Matches(IEnumerable<KeyValuePair<string, string>> matchers)
    {
        ArgumentNullException.ThrowIfNull(matchers);
        foreach (var (name, value) in matchers)
        {
            if (!string.Equals(this[name] ?? "", value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A new set with only the named labels (used by group-by).</summary>
    public LabelSet Select(IReadOnlyCollection<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return new LabelSet([.. _pairs.Where(pair => names.Contains(pair.Key))]);
    }

    /// <summary>The canonical text form <c>name{a="x",b="y"}</c> that identifies a series.</summary>
    public static string SeriesKey(string metricName, LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(metricName);
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0)
        {
            return metricName;
        }

        var builder = new StringBuilder(metricName.Length + (labels.Count * 16));
        builder.Append(metricName).Append('{');
        labels.AppendTo(builder);
        return builder.Append('}').ToString();
    }

    /// <summary>Appends <c>a="x",b="y"</c> with values escaped as in the Prometheus text format.</summary>
    public void AppendTo(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        for (var i = 0; i < _pairs.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }

            builder.Append(_pairs[i].Key).Append("=\"");
            AppendEscaped(builder, _pairs[i].Value);
            builder.Append('"');
        }
    }

    /// <summary>Escapes a label value: backslash, double quote and line feed.</summary>
    public static void AppendEscaped(StringBuilder builder, string value)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': builder.Append(@"\\"); break;
                case '"': builder.Append("\\\""); break;
                case '\n': builder.Append(@"\n"); break;
                default: builder.Append(c); break;
            }
        }
    }

    /// <summary>Parses the label part of <see cref="SeriesKey"/> output back into a set.</summary>
    public static LabelSet ParseKeyLabels(string seriesKey)
    {
        ArgumentNullException.ThrowIfNull(seriesKey);
        var open = seriesKey.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return Empty;
        }

        var pairs = new List<KeyValuePair<string, string>>();
        var i = open + 1;
        while (i < seriesKey.Length && seriesKey[i] != '}')
        {
            var eq = seriesKey.IndexOf('=', i);
            var name = seriesKey[i..eq];
            i = eq + 2; // skip ="
            var value = new StringBuilder();
            while (seriesKey[i] != '"')
            {
                if (seriesKey[i] == '\\')
                {
                    i++;
                    value.Append(seriesKey[i] == 'n' ? '\n' : seriesKey[i]);
                }
                else
                {
                    value.Append(seriesKey[i]);
                }

                i++;
            }

            pairs.Add(new(name, value.ToString()));
            i++; // closing quote
            if (i < seriesKey.Length && seriesKey[i] == ',')
            {
                i++;
            }
        }

        return From(pairs);
    }

    /// <inheritdoc />
    public bool Equals(LabelSet? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._pairs.Length != _pairs.Length || (_hash != 0 && other._hash != 0 && _hash != other._hash))
        {
            return false;
        }

        for (var i = 0; i < _pairs.Length; i++)
        {
            if (!string.Equals(_pairs[i].Key, other._pairs[i].Key, StringComparison.Ordinal)
                || !string.Equals(_pairs[i].Value, other._pairs[i].Value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as LabelSet);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        if (_hash != 0)
        {
            return _hash;
        }

        var hash = new HashCode();
        foreach (var pair in _pairs)
        {
            hash.Add(pair.Key, StringComparer.Ordinal);
            hash.Add(pair.Value, StringComparer.Ordinal);
        }

        var value = hash.ToHashCode();
        _hash = value == 0 ? 1 : value;
        return _hash;
    }

    /// <inheritdoc />
    public override string ToString()
    {
        var builder = new StringBuilder("{");
        AppendTo(builder);
        return builder.Append('}').ToString();
    }
}
