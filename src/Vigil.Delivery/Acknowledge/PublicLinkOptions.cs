namespace Vigil.Delivery.Acknowledge;

/// <summary>
/// Where the links in notifications point (View Dashboard, Acknowledge). The host sets it from
/// its own public address setting (<c>Vigil:Http:PublicUrl</c>).
/// </summary>
public sealed class PublicLinkOptions
{
    /// <summary>The address people reach this Vigil at, without a trailing slash.</summary>
    /// <value><c>http://127.0.0.1:5080</c>.</value>
    public string PublicUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>The public address with <paramref name="path"/> (which starts with a slash) appended.</summary>
    public string Link(string path) => PublicUrl.TrimEnd('/') + path;
}
