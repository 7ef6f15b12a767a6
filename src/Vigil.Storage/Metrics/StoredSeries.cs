using System.Runtime.InteropServices;
using NpgsqlTypes;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Metrics;

/// <summary>A series as stored: its id, canonical key, name and wire type.</summary>
/// <param name="Id">Storage id.</param>
/// <param name="Key">Canonical key <c>name{labels}</c>.</param>
/// <param name="Name">Metric name.</param>
/// <param name="Type">Wire type (<c>counter</c>, <c>gauge</c>, <c>timing</c>).</param>
/// <param name="Owner">The id of the API key whose batch created the series, or null.</param>
public sealed record StoredSeries(long Id, string Key, string Name, string Type, string? Owner = null);
