namespace Vigil.Notifications.Privacy;

/// <summary>
/// What is scrubbed from every notification before it leaves Vigil (webhook bodies, Slack, Teams,
/// Discord, email): personal data and secrets that label values, route labels and alert text may
/// carry. Bound from <c>Vigil:Privacy</c> and validated at start-up (a pattern that is not a valid
/// regular expression stops the start, naming the setting).
/// </summary>
public sealed class PrivacyOptions
{
    /// <summary>The usual configuration section of these settings: <c>Vigil:Privacy</c>.</summary>
    public const string SectionName = "Vigil:Privacy";

    /// <summary>
    /// Gets or sets a value indicating whether the built-in patterns apply: query strings of URLs
    /// and routes, bearer and basic credentials, <c>token=</c>/<c>key=</c>/<c>secret=</c>/<c>password=</c>
    /// style pairs, email addresses, card numbers (Luhn-checked) and US social security numbers.
    /// </summary>
    /// <value>Defaults to <see langword="true"/>.</value>
    public bool DefaultPatterns { get; set; } = true;

    /// <summary>
    /// Gets extra regular expressions (.NET syntax, case-sensitive unless they say <c>(?i)</c>);
    /// every match in a notification's text and label values is replaced by <c>[redacted]</c>.
    /// </summary>
    /// <value>Defaults to none: only the built-in patterns.</value>
    public IList<string> Patterns { get; } = [];

    /// <summary>
    /// Gets the names of labels never sent: they are left out of a notification's labels and of its
    /// description (compared ignoring case). For identifiers no pattern recognises, such as <c>user_id</c>.
    /// </summary>
    /// <value>Defaults to none.</value>
    public IList<string> DroppedLabels { get; } = [];

    /// <summary>Gets or sets how long one pattern may run on one text before the text is withheld as a whole.</summary>
    /// <value>Defaults to 100 milliseconds. Between 1 millisecond and 10 seconds.</value>
    public TimeSpan MatchTimeout { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The shortest <see cref="MatchTimeout"/> accepted.</summary>
    internal static readonly TimeSpan MinMatchTimeout = TimeSpan.FromMilliseconds(1);

    /// <summary>The longest <see cref="MatchTimeout"/> accepted.</summary>
    internal static readonly TimeSpan MaxMatchTimeout = TimeSpan.FromSeconds(10);
}
