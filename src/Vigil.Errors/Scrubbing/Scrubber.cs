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

    /// <summary>The event with its text scrubbed.</summary>
    public static ErrorEvent Scrub(ErrorEvent error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error with
        {
            ExceptionValue = Text(error.ExceptionValue),
            Message = Text(error.Message),
            Transaction = Text(error.Transaction),
            Request = Text(error.Request),
            Tags = Tags(error.Tags),
        };
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
