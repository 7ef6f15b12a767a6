namespace Vigil.Jobs.Queue;

/// <summary>How many jobs of a concurrency key (of any of the claimer's types) a claim may take.</summary>
internal readonly record struct KeyClaim(string Key, int Limit);
