using System.ComponentModel.DataAnnotations;

namespace Vigil.Server.Rules;

/// <summary>Alert rule settings (configuration section <c>Vigil:Rules</c>).</summary>
public sealed class RulesOptions
{
    /// <summary>The configuration section these options bind to.</summary>
    public const string Section = "Vigil:Rules";

    /// <summary>
    /// The JSON file of the default alert rules (<c>{"rules": [{"id": "...", ...}]}</c>, each rule
    /// in the shape of the rules API). A relative path is looked up under the content root, then
    /// next to the server's binaries, where the build copies <c>config/base.json</c>.
    /// </summary>
    /// <value><c>config/base.json</c>.</value>
    [Required(AllowEmptyStrings = false)]
    public string DefaultsFile { get; set; } = "config/base.json";
}
