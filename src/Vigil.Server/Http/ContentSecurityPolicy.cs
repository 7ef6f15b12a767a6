using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Vigil.Server.Http;

/// <summary>
/// The Content Security Policy of Vigil's HTML: nothing from another origin, no framing
/// (<c>frame-ancestors 'none'</c>), no <c>eval</c>, and inline scripts and styles only when
/// their SHA-256 hash is listed — computed from the page actually sent.
/// </summary>
internal static partial class ContentSecurityPolicy
{
    /// <summary>The policy of HTML that is not one of Vigil's pages: nothing may run or load.</summary>
    public const string Strict = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Which of Vigil's HTML pages a path is.</summary>
    public enum Page
    {
        /// <summary>Not a page of Vigil's (an API answer, a script or stylesheet).</summary>
        None,

        /// <summary>The acknowledge page (<c>/ack/{token}</c>): a form that posts to itself.</summary>
        Acknowledge,

        /// <summary>The API reference (<c>/docs/</c>), whose script injects its own styles at run time.</summary>
        Reference,
    }

    public static Page PageOf(PathString path) =>
        path.StartsWithSegments("/ack") ? Page.Acknowledge
        : path.StartsWithSegments("/docs") && !Path.HasExtension(path.Value) ? Page.Reference
        : Page.None;

    public static bool IsHtml(string? contentType) => contentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>The policy for <paramref name="html"/>: its external scripts from this origin, its inline ones by hash.</summary>
    public static string For(ReadOnlySpan<byte> html, Page page)
    {
        var text = Encoding.UTF8.GetString(html);
        var scripts = new List<string>();
        foreach (Match script in Script().Matches(text))
        {
            scripts.Add(Source().IsMatch(script.Groups["attributes"].Value) ? "'self'" : Hash(script.Groups["body"].Value));
        }

        var styles = new List<string>();
        foreach (Match style in Style().Matches(text))
        {
            styles.Add(Hash(style.Groups["body"].Value));
        }

        if (StyleSheet().IsMatch(text))
        {
            styles.Add("'self'");
        }

        // The reference page's script adds <style> elements as it renders: they cannot be hashed.
        var styleSource = page == Page.Reference ? "'self' 'unsafe-inline'" : Sources(styles);
        return string.Join("; ",
            "default-src 'none'",
            $"script-src {Sources(scripts)}",
            $"style-src {styleSource}",
            "img-src 'self' data:",
            "font-src 'self' data:",
            $"connect-src {(page == Page.Reference ? "'self'" : "'none'")}",
            $"form-action {(page == Page.Acknowledge ? "'self'" : "'none'")}",
            "base-uri 'none'",
            "frame-ancestors 'none'");
    }

    private static string Sources(List<string> sources) => sources.Count == 0 ? "'none'" : string.Join(' ', sources.Distinct(StringComparer.Ordinal));

    private static string Hash(string body) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(body)))}'";

    [GeneratedRegex("""<script(?<attributes>[^>]*)>(?<body>.*?)</script\s*>""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Script();

    [GeneratedRegex("""\ssrc\s*=""", RegexOptions.IgnoreCase)]
    private static partial Regex Source();

    [GeneratedRegex("""<style[^>]*>(?<body>.*?)</style\s*>""", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Style();

    [GeneratedRegex("""<link[^>]*\srel\s*=\s*["']?stylesheet""", RegexOptions.IgnoreCase)]
    private static partial Regex StyleSheet();
}
