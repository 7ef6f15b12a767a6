using System.Text.RegularExpressions;
using Vigil.Errors.Events;

namespace Vigil.Errors.Otlp;

/// <summary>
/// The frames of a stack trace written as text (OTLP's <c>exception.stacktrace</c>), best effort:
/// .NET (<c>at Ns.Type.Method(args) in file:line 42</c>), Java (<c>at pkg.Type.method(File.java:42)</c>)
/// and Python (<c>File "x.py", line 42, in f</c>). Frames come out outermost first, as Sentry
/// orders them; runtime and library frames (System., Microsoft., java., site-packages, …) are
/// not in-app. Lines that are none of these are skipped.
/// </summary>
internal static partial class StackTraceText
{
    private static readonly string[] LibraryPrefixes = ["System.", "Microsoft.", "java.", "javax.", "jdk.", "sun.", "kotlin.", "kotlinx.", "scala.", "Npgsql.", "Grpc."];

    /// <summary>The frames of <paramref name="text"/>, outermost first (at most <see cref="Limits.Frames"/>, those nearest the throw).</summary>
    public static IReadOnlyList<ErrorFrame> Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }

        var frames = new List<ErrorFrame>();
        var innermostFirst = true;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (Java().Match(line) is { Success: true } java)
            {
                frames.Add(Qualified(java.Groups["name"].Value, java.Groups["file"].Value, java.Groups["line"].Value));
            }
            else if (DotNet().Match(line) is { Success: true } dotnet)
            {
                frames.Add(Qualified(dotnet.Groups["name"].Value, dotnet.Groups["file"].Value, dotnet.Groups["line"].Value));
            }
            else if (Python().Match(line) is { Success: true } python)
            {
                innermostFirst = false;
                var file = python.Groups["file"].Value;
                var library = file.Contains("site-packages", StringComparison.Ordinal) || file.Contains("/lib/python", StringComparison.Ordinal);
                frames.Add(new ErrorFrame(Path.GetFileNameWithoutExtension(file), python.Groups["function"].Value, file, Line(python.Groups["line"].Value), !library));
            }
        }

        if (innermostFirst)
        {
            frames.Reverse();
        }

        return frames.Count > Limits.Frames ? frames[^Limits.Frames..] : frames;
    }

    private static ErrorFrame Qualified(string name, string file, string line)
    {
        var dot = name.LastIndexOf('.');
        var module = dot > 0 ? name[..dot] : null;
        var function = dot > 0 ? name[(dot + 1)..] : name;
        var inApp = !LibraryPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
        return new ErrorFrame(Limits.Clip(module, Limits.Name), Limits.Clip(function, Limits.Name), file.Length > 0 ? Limits.Clip(file, Limits.Name) : null, Line(line), inApp);
    }

    private static int? Line(string text) => int.TryParse(text, out var line) ? line : null;

    [GeneratedRegex(@"^at (?<name>[^\s(]+)\((?<args>[^)]*)\)(?: in (?<file>.+?)(?::line (?<line>\d+))?)?$")]
    private static partial Regex DotNet();

    [GeneratedRegex(@"^at (?<name>[\w$.<>/]+)\((?:(?<file>[\w$]+\.(?:java|kt|scala|groovy))(?::(?<line>\d+))?|Native Method|Unknown Source)\)$")]
    private static partial Regex Java();

    [GeneratedRegex("""^File "(?<file>[^"]+)", line (?<line>\d+), in (?<function>.+)$""")]
    private static partial Regex Python();
}
