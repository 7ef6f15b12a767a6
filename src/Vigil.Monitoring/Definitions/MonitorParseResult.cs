namespace Vigil.Monitoring.Definitions;

/// <summary>A monitor read from JSON: the definition, or the problems per field (JSON names, e.g. <c>url</c>, <c>headers.X-Token</c>).</summary>
/// <param name="Definition">The definition; null when there are problems.</param>
/// <param name="Errors">The problems per field; empty when there are none.</param>
public sealed record MonitorParseResult(MonitorDefinition? Definition, IReadOnlyDictionary<string, string[]> Errors)
{
    /// <summary>Whether the definition was read without problems.</summary>
    public bool IsValid => Definition is not null && Errors.Count == 0;
}
