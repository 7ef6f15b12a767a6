using System.Text.Json.Serialization;

namespace Vigil.Server.Ingestion;

/// <summary>The answer to an accepted batch.</summary>
/// <param name="Accepted">Number of points (or executions) recorded.</param>
public sealed record IngestResponse([property: JsonPropertyName("accepted")] int Accepted);
