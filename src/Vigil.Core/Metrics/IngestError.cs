namespace Vigil.Core.Metrics;

/// <summary>One bad point of a batch: its index, the field at fault and why.</summary>
/// <param name="Index">Index of the point in the batch.</param>
/// <param name="Field">The field at fault (<c>name</c>, <c>type</c>, <c>value</c>, ...).</param>
/// <param name="Message">What is wrong.</param>
public sealed record IngestError(int Index, string Field, string Message);
