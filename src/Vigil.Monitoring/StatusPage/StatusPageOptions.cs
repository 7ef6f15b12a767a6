using System.ComponentModel.DataAnnotations;

namespace Vigil.Monitoring.StatusPage;

/// <summary>The settings of the public status page (section <c>Vigil:StatusPage</c>).</summary>
public sealed class StatusPageOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Vigil:StatusPage";

    /// <summary>
    /// Gets or sets whether <c>/status</c> and <c>/api/v1/status</c> answer, without sign-in, with the
    /// monitors marked <c>public</c>; when off both are 404.
    /// </summary>
    /// <value>Defaults to <see langword="false"/>.</value>
    public bool Enabled { get; set; }

    /// <summary>Gets or sets the page's heading and title.</summary>
    /// <value>Defaults to <c>Service status</c>.</value>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string Title { get; set; } = "Service status";

    /// <summary>Gets or sets a paragraph under the heading (plain text), e.g. who runs the services.</summary>
    /// <value>Defaults to none.</value>
    [StringLength(2000)]
    public string? Description { get; set; }

    /// <summary>Gets or sets a line at the foot of the page (plain text), e.g. where to report a problem.</summary>
    /// <value>Defaults to none.</value>
    [StringLength(2000)]
    public string? Footer { get; set; }

    /// <summary>
    /// Gets or sets how long one computed view is served to everyone (the page is anonymous: its
    /// readers never reach the database more often than this); zero computes it for every request.
    /// </summary>
    /// <value>Defaults to 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromSeconds(30);
}
