using Vigil.Otlp.Metrics;

namespace Vigil.Otlp;

/// <summary>
/// The points an OTLP export turned into (from metrics' data points or from spans), each
/// naming the item of the export it came from, so that a point Vigil refuses refuses its item.
/// </summary>
public interface IOtlpPointBatch
{
    /// <summary>The points, in the order of their items.</summary>
    IReadOnlyList<OtlpPoint> Points { get; }

    /// <summary>How many items were refused.</summary>
    int Rejected { get; }

    /// <summary>Whether the item at <paramref name="index"/> was refused.</summary>
    bool IsRejected(int index);

    /// <summary>Refuses an item (and so all its points) because of its point named <paramref name="metric"/>.</summary>
    void Reject(int index, string metric, string problem);
}
