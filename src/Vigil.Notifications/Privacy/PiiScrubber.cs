using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Vigil.Core.Metrics;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications.Privacy;

/// <summary>
/// Removes personal data and secrets from what a notification carries before any channel renders
/// it: query strings of URLs and routes, credentials, <c>token=</c>-style pairs, email addresses,
/// card and social security numbers, the extra patterns of <see cref="PrivacyOptions.Patterns"/>,
/// and the labels of <see cref="PrivacyOptions.DroppedLabels"/>. The delivery pipeline applies it
/// once, where a notification is built, so every channel (webhook, Slack, Teams, Discord, email,
/// digests) sends the same scrubbed copy. Links Vigil makes (dashboard, acknowledge, runbook) are
/// left as they are.
/// </summary>
public sealed partial class PiiScrubber
{
    /// <summary>What a secret, a token or a match of an extra pattern is replaced with.</summary>
    public const string Redacted = "[redacted]";

    /// <summary>What an email address is replaced with.</summary>
    public const string RedactedEmail = "[email]";

    /// <summary>What a card number (one that passes the Luhn check) is replaced with.</summary>
    public const string RedactedCard = "[card]";

    /// <summary>What a US social security number is replaced with.</summary>
    public const string RedactedSsn = "[ssn]";

    // Names whose value is a secret: the word itself or a name ending in it (api_key, x-api-key,
    // client_secret, access_token), never a word merely containing it (monkey, bypass).
    private const string SecretName =
        @"(?:[A-Za-z0-9]+[_.-])*(?:access_?token|refresh_?token|id_?token|auth_?token|token|api_?key|apikey|key|secret|password|passwd|pwd|auth|authorization|credentials?|session_?id|sessionid|ssn)";

    private const RegexOptions Common = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    private readonly (Regex Pattern, MatchEvaluator Replace)[] _rules;
    private readonly Regex? _secretLabel;
    private readonly HashSet<string> _dropped;
    private readonly ILogger _logger;

    internal PiiScrubber(PrivacyOptions options, ILogger<PiiScrubber> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var timeout = options.MatchTimeout;
        var rules = new List<(Regex, MatchEvaluator)>();
        if (options.DefaultPatterns)
        {
            // The query string (and fragment) of a URL or a route: /users?token=abc -> /users.
            rules.Add((new Regex(@"(?<path>(?:\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#""'<>]*|/)[^\s?#""'<>]*)[?#][^\s""'<>]*", Common, timeout), m => m.Groups["path"].Value));

            // Credentials: an Authorization value, a JSON Web Token, the keys of well-known services (and Vigil's own).
            rules.Add((new Regex(@"\b(?<scheme>[Bb]earer|Basic)\s+(?!\[redacted\])[A-Za-z0-9\-._~+/]{8,}=*", Common, timeout), m => m.Groups["scheme"].Value + " " + Redacted));
            rules.Add((new Regex(@"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", Common, timeout), _ => Redacted));
            rules.Add((new Regex(@"\b(?:vgl_[A-Za-z0-9_-]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}|xox[abposr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b", Common, timeout), _ => Redacted));

            // token=..., "api_key": "...", password: ... -> the name kept, the value redacted.
            rules.Add((new Regex(@"(?<name>\b" + SecretName + @")(?<sep>""?\s*[=:]\s*""?)(?!\[redacted\]|(?:[Bb]earer|Basic)\s)[^\s&,;""'}\]]+", Common | RegexOptions.IgnoreCase, timeout),
                m => m.Groups["name"].Value + m.Groups["sep"].Value + Redacted));

            rules.Add((new Regex(@"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b", Common, timeout), _ => RedactedEmail));

            // 13 to 19 digits, spaces or dashes between them, starting as card numbers do (2-6), and
            // only when the Luhn check passes: a timestamp in milliseconds (it starts with 1) or an
            // order number is kept.
            rules.Add((new Regex(@"(?<![\w.])[2-6]\d(?:[ -]?\d){11,17}(?![\w.])", Common, timeout), m => IsLuhnValid(m.Value) ? RedactedCard : m.Value));
            rules.Add((new Regex(@"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])", Common, timeout), _ => RedactedSsn));
        }

        foreach (var pattern in options.Patterns)
        {
            rules.Add((new Regex(pattern, RegexOptions.CultureInvariant, timeout), _ => Redacted));
        }

        _rules = [.. rules];
        _secretLabel = options.DefaultPatterns ? new Regex("^" + SecretName + "$", Common | RegexOptions.IgnoreCase, timeout) : null;
        _dropped = new HashSet<string>(options.DroppedLabels, StringComparer.OrdinalIgnoreCase);
        _logger = logger;
    }

    /// <summary>A text with every match of the patterns replaced; the whole text withheld (<see cref="Redacted"/>) when a pattern times out.</summary>
    /// <param name="text">Any text a notification carries.</param>
    /// <returns>The scrubbed text.</returns>
    public string Scrub(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            foreach (var (pattern, replace) in _rules)
            {
                text = pattern.Replace(text, replace);
            }

            return text;
        }
        catch (RegexMatchTimeoutException ex)
        {
            LogTimedOut(_logger, ex.Pattern, ex.MatchTimeout.TotalMilliseconds, text.Length);
            return Redacted;
        }
    }

    /// <summary>Whether a label is never sent (<see cref="PrivacyOptions.DroppedLabels"/>).</summary>
    /// <param name="labelName">The label's name.</param>
    /// <returns><see langword="true"/> when it is left out of notifications.</returns>
    public bool IsDropped(string labelName) => _dropped.Contains(labelName);

    /// <summary>A label set without the labels that are never sent, e.g. to describe an alert's group.</summary>
    /// <param name="labels">The labels.</param>
    /// <returns>The same set when none is dropped.</returns>
    public LabelSet WithoutDropped(LabelSet labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return _dropped.Count == 0 || !labels.Pairs.Any(p => IsDropped(p.Key))
            ? labels
            : LabelSet.From(labels.Pairs.Where(p => !IsDropped(p.Key)));
    }

    /// <summary>
    /// The notification as it may leave Vigil: dropped labels removed, the value of a label named
    /// like a secret (<c>token</c>, <c>api_key</c>, <c>password</c>...) redacted, and the alert
    /// name, metric name, label values, description and every string of the context scrubbed
    /// (the secret-named labels only with <see cref="PrivacyOptions.DefaultPatterns"/>).
    /// </summary>
    /// <param name="notification">The notification built from the alert.</param>
    /// <returns>A scrubbed copy.</returns>
    public AlertNotification Scrub(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in notification.Labels)
        {
            if (!IsDropped(name))
            {
                labels[name] = IsSecretLabel(name) ? Redacted : Scrub(value);
            }
        }

        var context = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, value) in notification.Context)
        {
            context[name] = Scrub(value);
        }

        return notification with
        {
            AlertName = Scrub(notification.AlertName),
            MetricName = Scrub(notification.MetricName),
            Labels = labels,
            Description = notification.Description is { } description ? Scrub(description) : null,
            Context = context,
        };
    }

    /// <summary>
    /// What a notification shows of an alert's fingerprint (rule and group, label values included):
    /// a hash, the same for the same fingerprint on every server and every notification, so a
    /// receiver can still group by it without learning the labels.
    /// </summary>
    /// <param name="fingerprint">The stored fingerprint.</param>
    /// <returns>32 lowercase hexadecimal digits (the first 128 bits of its SHA-256).</returns>
    public static string HashFingerprint(string fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>Whether a label's (or tag's) name says its value is a secret (<c>token</c>, <c>api_key</c>, <c>password</c>...): its value is never shown.</summary>
    /// <param name="name">The label's name.</param>
    /// <returns><see langword="true"/> with <see cref="PrivacyOptions.DefaultPatterns"/> and a secret's name.</returns>
    public bool IsSecretLabel(string name)
    {
        try
        {
            return _secretLabel?.IsMatch(name) == true;
        }
        catch (RegexMatchTimeoutException)
        {
            return true;
        }
    }

    private JsonElement Scrub(JsonElement element)
    {
        if (element.ValueKind is not (JsonValueKind.String or JsonValueKind.Object or JsonValueKind.Array))
        {
            return element;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, element);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private void Write(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                writer.WriteStringValue(Scrub(element.GetString()!));
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>The Luhn check of the digits of <paramref name="text"/> (spaces and dashes ignored).</summary>
    internal static bool IsLuhnValid(string text)
    {
        int sum = 0;
        bool doubled = false;
        for (int i = text.Length - 1; i >= 0; i--)
        {
            char c = text[i];
            if (!char.IsAsciiDigit(c))
            {
                continue;
            }

            int digit = c - '0';
            if (doubled)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
            doubled = !doubled;
        }

        return sum % 10 == 0;
    }

    [LoggerMessage(EventId = 1231, Level = LogLevel.Warning, Message = "A privacy pattern ran past {TimeoutMs} ms on a text of {Length} characters; the whole text was withheld: {Pattern}")]
    private static partial void LogTimedOut(ILogger logger, string pattern, double timeoutMs, int length);
}
