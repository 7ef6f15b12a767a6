using Vigil.Server.Rules;

namespace Vigil.Server.Hosting;

/// <summary>A reason the server cannot start, found before it touches any data.</summary>
/// <param name="Message">One line naming the cause and the setting.</param>
/// <param name="ExitCode">2 for a bad setting, 1 for anything else (an address in use).</param>
internal sealed record StartupProblem(string Message, int ExitCode);
