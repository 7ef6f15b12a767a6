using System.Runtime.InteropServices;
using NpgsqlTypes;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Metrics;

/// <summary>A rollup with the id of its series.</summary>
/// <param name="SeriesId">Storage id of the series.</param>
/// <param name="Rollup">The 1-minute rollup.</param>
public sealed record StoredRollup(long SeriesId, Rollup Rollup);
