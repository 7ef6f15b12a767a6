using Vigil.Errors.Events;
using Vigil.Notifications.Privacy;

namespace Vigil.Errors.Scrubbing;

/// <summary>
/// Removes personal data and secrets from what errors carry, server-side, whatever sent them,
/// with Vigil's one scrubber (<see cref="PiiScrubber"/>, <c>Vigil:Privacy</c>: query strings,
/// credentials and tokens, <c>password=…</c>-style pairs, emails, card numbers passing Luhn's
/// check, the configured patterns) on messages, exception values, transactions, requests and tags;
/// a tag named like a secret (token, password, cookie, …) loses its value. Every string is made
/// storable first: NUL and lone surrogates (which no source should send, and PostgreSQL's text
/// cannot hold) become U+FFFD.
/// </summary>
internal static class Scrubber
{
    /// <summary>The event with its text scrubbed and every string storable.</summary>
    public static ErrorEvent Scrub(ErrorEvent error, PiiScrubber pii)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(pii);
        string? Text(string? text) => Storable(text) is { } storable ? pii.Scrub(storable) : null;
        var tags = new Dictionary<string, string>(error.Tags.Count, StringComparer.Ordinal);
        foreach (var (name, value) in error.Tags)
        {
            var key = Storable(name)!;
            tags[key] = pii.IsSecretLabel(key) ? PiiScrubber.Redacted : Text(value)!;
        }

        return error with
        {
            ExceptionType = Storable(error.ExceptionType),
            ExceptionValue = Text(error.ExceptionValue),
            Message = Text(error.Message),
            Release = Storable(error.Release),
            Environment = Storable(error.Environment),
            Service = Storable(error.Service),
            Transaction = Text(error.Transaction),
            Request = Text(error.Request),
            User = Storable(error.User),
            Platform = Storable(error.Platform),
            Tags = tags,
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
}
