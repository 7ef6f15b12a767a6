using System.Text.RegularExpressions;
using Vigil.Errors.Events;

namespace Vigil.Errors.Scrubbing;

/// <summary>
/// Removes personal data and secrets from what errors carry, server-side, whatever sent them:
/// emails, bearer tokens and API keys (known shapes, and long mixed letter-and-digit tokens),
/// card numbers (13 to 19 digits passing Luhn's check), and <c>password=…</c>-style pairs; a tag
/// whose name says it is a secret (password, token, cookie, authorization, …) loses its value.
/// Applied to messages, exception values, tags, transactions and requests.
/// </summary>
internal static partial class Scrubber
{
    /// <summary>What replaces a scrubbed value.</summary>
    public const string Redacted = "[redacted]";

    /// <summary>
    /// The event with its text scrubbed, and every string storable: NUL and lone surrogates (which
    /// no source should send, and PostgreSQL's text cannot hold) become U+FFFD.
    /// </summary>
    public static ErrorEvent Scrub(ErrorEvent error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error with
        {
            ExceptionType = Storable(error.ExceptionType),
            ExceptionValue = Text(Storable(error.ExceptionValue)),
            Message = Text(Storable(error.Message)),
            Release = Storable(error.Release),
            Environment = Storable(error.Environment),
            Service = Storable(error.Service),
            Transaction = Text(Storable(error.Transaction)),
            Request = Text(Storable(error.Request)),
            User = Storable(error.User),
            Platform = Storable(error.Platform),
            Tags = Tags(error.Tags.ToDictionary(t => Storable(t.Key)!, t => Storable(t.Value)!, StringComparer.Ordinal)),
            Fingerprint = error.Fingerprint?.Select(p => Storable(p)!).ToList(),
            Frames = [.. error.Frames.Select(f => f with { Module = Storable(f.Module), Function = Storable(f.Function), FileName = Storable(f.FileName) })],
        };
    }

    /// <summary><paramref name="text"/> with NUL and lone surrogates replaced by U+FFFD.</summary>
    public static string? Storable(string? text)
    {
        if (text is null || (!text.Contains('\0', StringComparison.Ordinal) && !text.Any(char.IsSurrogate)))
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var pair = char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]);
            if (pair)
            {
                i++;
            }
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    /// <summary>Tags with secret-named values redacted and the rest scrubbed.</summary>
    public static IReadOnlyDictionary<string, string> Tags(IReadOnlyDictionary<string, string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var scrubbed = new Dictionary<string, string>(tags.Count, StringComparer.Ordinal);
        foreach (var (name, value) in tags)
        {
            scrubbed[name] = IsSecretName(name) ? Redacted : Text(value)!;
        }

        return scrubbed;
    }

    /// <summary>Whether a name (a tag, an attribute, a form field) says its value is a secret.</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary><paramref name="text"/> scrubbed (null stays null).</summary>
    public static string? Text(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        var scrubbed = Pair().Replace(text, m => m.Groups["key"].Value + m.Groups["sep"].Value + Redacted);
        scrubbed = Bearer().Replace(scrubbed, m => m.Groups["scheme"].Value + " " + Redacted);
        scrubbed = Email().Replace(scrubbed, "[email]");
        scrubbed = KnownToken().Replace(scrubbed, Redacted);
        scrubbed = LongToken().Replace(scrubbed, m => HasLetterAndDigit(m.Value) ? Redacted : m.Value);
        scrubbed = CardCandidate().Replace(scrubbed, m => Luhn(m.Value) ? "[card]" : m.Value);
        return scrubbed;
    }

    private static bool HasLetterAndDigit(string value) => value.Any(char.IsAsciiDigit) && value.Any(char.IsAsciiLetter);

    /// <summary>Whether the digits of <paramref name="candidate"/> (13 to 19 of them) pass Luhn's check.</summary>
    public static bool Luhn(string candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var digits = candidate.Where(char.IsAsciiDigit).Select(c => c - '0').ToArray();
        if (digits.Length is < 13 or > 19)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var d = digits[digits.Length - 1 - i];
            if (i % 2 == 1)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
        }

        return sum % 10 == 0;
    }

    [GeneratedRegex(@"(?i)(password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|auth|authorization|cookie|session|credential|private[_-]?key)")]
    private static partial Regex SecretName();

    // password=hunter2, "api_key": "abc", token: xyz — the value up to a separator.
    [GeneratedRegex("""(?i)(?<key>\b[\w-]*(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|credential)[\w-]*["']?)(?<sep>\s*[=:]\s*["']?)(?!\[redacted\])[^\s&,;"'}]+""")]
    private static partial Regex Pair();

    [GeneratedRegex(@"(?i)\b(?<scheme>bearer|basic|token)\s+[A-Za-z0-9._~+/=\-]{8,}")]
    private static partial Regex Bearer();

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    // JWTs, GitHub, Slack, Stripe, AWS access key ids.
    [GeneratedRegex(@"\beyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|xox[abposr]-[A-Za-z0-9\-]{10,}|[sr]k_(?:live|test)_[A-Za-z0-9]{10,}|AKIA[0-9A-Z]{16})\b")]
    private static partial Regex KnownToken();

    [GeneratedRegex(@"\b[A-Za-z0-9_\-]{32,}\b")]
    private static partial Regex LongToken();

    [GeneratedRegex(@"\b\d(?:[ \-]?\d){12,18}\b")]
    private static partial Regex CardCandidate();
}
