namespace Vigil.Jobs.Queue;

/// <summary>How many jobs of a type a claim may take.</summary>
internal readonly record struct TypeClaim(string Type, int Limit);
