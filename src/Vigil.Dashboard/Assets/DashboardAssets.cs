using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Vigil.Dashboard.Assets;

/// <summary>
/// The dashboard's scripts, styles and vendored libraries, embedded in this assembly and served
/// under <c>/ui/assets/</c>: no CDN, no files to deploy, the same bytes offline. URLs carry the
/// build's version (<see cref="Url"/>) so browsers may keep them for a year.
/// </summary>
public static class DashboardAssets
{
    /// <summary>Where the assets are served.</summary>
    public const string Prefix = "/ui/assets";

    private static readonly string Version = typeof(DashboardAssets).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..12];

    /// <summary>The versioned URL of an asset (<paramref name="path"/> relative to wwwroot).</summary>
    public static string Url(string path) => $"{Prefix}/{path}?v={Version}";

    /// <summary>The embedded files.</summary>
    public static IFileProvider Files { get; } = new ManifestEmbeddedFileProvider(typeof(DashboardAssets).Assembly, "wwwroot");

    internal static StaticFileOptions StaticFileOptions() => new()
    {
        FileProvider = Files,
        RequestPath = Prefix,
        OnPrepareResponse = context =>
        {
            var headers = context.Context.Response.Headers;
            headers.CacheControl = context.Context.Request.Query["v"] == Version
                ? "public, max-age=31536000, immutable"
                : "no-cache";
            headers[HeaderNames.LastModified] = context.File.LastModified.ToString("R", CultureInfo.InvariantCulture);
        },
    };
}
