using Vigil.Core.Metrics;

namespace Vigil.Server.Ingestion;

/// <summary>Counts of ingest outcomes, exported on <c>/metrics</c>.</summary>
internal sealed class IngestCounters
{
    public Counter AcceptedBatches { get; } = new();

    public Counter RejectedBatches { get; } = new();

    internal sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Add(long amount) => Interlocked.Add(ref _value, amount);
    }
}
