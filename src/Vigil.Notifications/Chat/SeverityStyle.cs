using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications.Chat;

/// <summary>The colours and labels of a severity, shared by email and chat.</summary>
internal static class SeverityStyle
{
    /// <summary>The hex colour: info blue, warning amber, error orange, critical red; green once resolved.</summary>
    public static string Hex(Severity severity) => severity switch
    {
        Severity.Info => "#2563EB",
        Severity.Warning => "#D97706",
        Severity.Error => "#EA580C",
        _ => "#DC2626",
    };

    public const string ResolvedHex = "#16A34A";

    public static string HexOf(AlertNotification n) => n.Status == IntentKind.Resolved ? ResolvedHex : Hex(n.Severity);

    public static int RgbOf(AlertNotification n) => Convert.ToInt32(HexOf(n)[1..], 16);

    public static string Upper(Severity severity) => severity.ToWire().ToUpperInvariant();

    public static string Emoji(AlertNotification n) => n.Status == IntentKind.Resolved
        ? "✅"
        : n.Severity switch
        {
            Severity.Info => "ℹ️",
            Severity.Warning => "⚠️",
            Severity.Error => "🟠",
            _ => "🔴",
        };

    /// <summary>The title line: <c>[CRITICAL] High response time — firing</c>.</summary>
    public static string Title(AlertNotification n) => Title(n, static name => name);

    /// <summary>The title line with the alert's name escaped for a chat's Markdown.</summary>
    public static string Title(AlertNotification n, Func<string, string> escape) => $"[{Upper(n.Severity)}] {escape(n.AlertName)} — {n.Status.ToWire()}";

    /// <summary>The most severe of a digest's notifications.</summary>
    public static Severity Highest(IReadOnlyList<AlertNotification> notifications) => notifications.Max(n => n.Severity);

    /// <summary>Whether a link may be shown: absolute http or https only (no <c>javascript:</c>).</summary>
    public static bool IsLink(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    public static string Truncate(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
}
