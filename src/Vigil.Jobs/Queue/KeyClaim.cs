namespace Vigil.Jobs.Queue;

/// <summary>
/// How many jobs of a concurrency key (of any of the claimer's types) a claim may take:
/// <paramref name="Limit"/> at most, and on PostgreSQL never so many that more than
/// <paramref name="Cap"/> (the key's limit) would run across all processes.
/// </summary>
internal readonly record struct KeyClaim(string Key, int Limit, int Cap);
