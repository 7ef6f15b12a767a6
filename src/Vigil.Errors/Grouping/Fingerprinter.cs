using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Vigil.Errors.Events;

namespace Vigil.Errors.Grouping;

/// <summary>
/// Which issue an event belongs to. By default: the exception's type plus its in-app frames
/// (module and function, normalised: no line numbers, addresses, generic arguments or
/// compiler-generated names), all frames when none is in-app; without frames, the type and the
/// template of its message (<see cref="MessageTemplate"/>); without an exception, the template of
/// the message. An explicit fingerprint (Sentry's <c>fingerprint</c>) replaces this, with
/// <c>{{ default }}</c> standing for the default parts. The issue's key is the SHA-256 of the parts.
/// </summary>
internal static partial class Fingerprinter
{
    /// <summary>The placeholder for the default parts in an explicit fingerprint.</summary>
    public const string DefaultPlaceholder = "{{ default }}";

    /// <summary>The fingerprint of <paramref name="error"/>: 32 hex digits.</summary>
    public static string Of(ErrorEvent error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parts = Parts(error);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..32];
    }

    /// <summary>The parts the fingerprint hashes.</summary>
    public static IReadOnlyList<string> Parts(ErrorEvent error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.Fingerprint is { Count: > 0 } explicitParts)
        {
            var parts = new List<string> { "explicit" };
            foreach (var part in explicitParts)
            {
                if (IsDefault(part))
                {
                    parts.AddRange(DefaultParts(error));
                }
                else
                {
                    parts.Add(part);
                }
            }

            return parts;
        }

        return DefaultParts(error);
    }

    private static bool IsDefault(string part) =>
        part.Replace(" ", "", StringComparison.Ordinal).Equals("{{default}}", StringComparison.OrdinalIgnoreCase);

    private static List<string> DefaultParts(ErrorEvent error)
    {
        if (error.ExceptionType is { Length: > 0 } type)
        {
            var parts = new List<string> { "type:" + type };
            var frames = error.Frames.Where(f => f.InApp).ToList();
            if (frames.Count == 0)
            {
                frames = [.. error.Frames];
            }

            foreach (var frame in frames)
            {
                if (FrameKey(frame) is { } key)
                {
                    parts.Add("frame:" + key);
                }
            }

            if (parts.Count == 1)
            {
                parts.Add("message:" + MessageTemplate.Of(error.ExceptionValue ?? ""));
            }

            return parts;
        }

        return ["message:" + MessageTemplate.Of(error.Message ?? error.ExceptionValue ?? "")];
    }

    /// <summary>A frame as grouping sees it: module and function, normalised; the file (no line) when neither is known.</summary>
    public static string? FrameKey(ErrorFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var (rawModule, rawFunction) = (frame.Module, frame.Function);
        if (rawModule is not null && StateMachineClass().Match(rawModule) is { Success: true } machine && rawFunction is null or "MoveNext")
        {
            // An async method's state machine: Type+<PlaceAsync>d__5.MoveNext is Type.PlaceAsync.
            (rawModule, rawFunction) = (machine.Groups["type"].Value, machine.Groups["method"].Value);
        }

        var module = rawModule is { Length: > 0 } m ? Normalise(m) : "";
        var function = rawFunction is { Length: > 0 } f ? Normalise(f) : "";
        if (module.Length == 0 && function.Length == 0)
        {
            return frame.FileName is { Length: > 0 } file ? "file:" + Address().Replace(file, "") : null;
        }

        return module + "|" + function;
    }

    /// <summary>A module or function name without what changes between builds or call sites.</summary>
    public static string Normalise(string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // .NET SDKs send signatures (async Task<Order> Shop.OrderService.PlaceAsync(int id)): the name only.
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        var head = paren >= 0 ? name[..paren] : name;
        var space = head.LastIndexOf(' ');
        var text = paren >= 0 && space >= 0 ? name[(space + 1)..] : name;
        text = Address().Replace(text, "");
        text = AsyncMethod().Replace(text, "$1");
        text = Lambda().Replace(text, "$1");
        text = CompilerClass().Replace(text, "");
        text = JavaLambda().Replace(text, "$$$$Lambda");
        text = Parameters().Replace(text, "");
        text = GenericArity().Replace(text, "");
        while (GenericArguments().IsMatch(text))
        {
            text = GenericArguments().Replace(text, "");
        }

        text = text.Replace(".MoveNext", "", StringComparison.Ordinal);
        text = Separators().Replace(text, ".");
        return text.Trim('.', '+', ' ');
    }

    [GeneratedRegex(@"^(?<type>.+)\+<(?<method>[A-Za-z_]\w*)>d__\d+$")]
    private static partial Regex StateMachineClass();

    [GeneratedRegex(@"0x[0-9a-fA-F]+")]
    private static partial Regex Address();

    // C# async and iterator state machines: <PlaceOrder>d__5 → PlaceOrder.
    [GeneratedRegex(@"<([A-Za-z_][\w]*)>d__\d+")]
    private static partial Regex AsyncMethod();

    // C# lambdas: <Main>b__0_1 → Main.
    [GeneratedRegex(@"<([A-Za-z_][\w]*)>b__[\d_]+")]
    private static partial Regex Lambda();

    // Closures and other compiler-generated classes: <>c__DisplayClass3_0, <>c.
    [GeneratedRegex(@"<>c(?:__DisplayClass[\d_]+)?|<[^<>]*>[a-z]__[\w]*")]
    private static partial Regex CompilerClass();

    // Java: Orders$$Lambda$123/0x0000 → Orders$$Lambda; Python lambdas need nothing.
    [GeneratedRegex(@"\$\$Lambda[\$/\d]*")]
    private static partial Regex JavaLambda();

    // Parameters, and what a signature has after them (a lambda's "+(int id) => { }").
    [GeneratedRegex(@"\(.*$")]
    private static partial Regex Parameters();

    [GeneratedRegex(@"`\d+")]
    private static partial Regex GenericArity();

    [GeneratedRegex(@"<[^<>]*>|\[[^\[\]]*\]")]
    private static partial Regex GenericArguments();

    [GeneratedRegex(@"[.+]{2,}")]
    private static partial Regex Separators();
}
