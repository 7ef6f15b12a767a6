namespace Vigil.Core.Limits;

/// <summary>What a shared destination limit says of an attempt about to be made.</summary>
/// <param name="Verdict">Whether it may go, and if not why.</param>
/// <param name="RetryAfter">When it may be tried again (not <see cref="DestinationVerdict.Go"/>).</param>
public readonly record struct DestinationGate(DestinationVerdict Verdict, TimeSpan RetryAfter)
{
    /// <summary>The attempt may go.</summary>
    public static DestinationGate Go { get; } = new(DestinationVerdict.Go, TimeSpan.Zero);
}
