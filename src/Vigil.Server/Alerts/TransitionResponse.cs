using Vigil.Core.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>One transition of an alert.</summary>
/// <param name="From">State before (null at creation).</param>
/// <param name="To">State after.</param>
/// <param name="At">When.</param>
/// <param name="By">Who: vigil or an API key's name.</param>
/// <param name="Note">Why.</param>
public sealed record TransitionResponse(string? From, string To, DateTimeOffset At, string By, string? Note);
