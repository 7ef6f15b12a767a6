using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Vigil.Core.Alerts;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Rules;

/// <summary>
/// The default alert rules of <c>config/base.json</c>: read and checked at start-up (a bad rule
/// stops the server with a message naming the file, the rule id and the field), then written
/// to the database without touching the defaults an admin edited or deleted.
/// </summary>
internal sealed partial class DefaultRules(
    RuleRepository repository, IOptions<RulesOptions> options, IHostEnvironment environment, TimeProvider time, ILogger<DefaultRules> logger)
{
    private const int MaxIdLength = 100;

    private static readonly JsonDocumentOptions DocumentOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, AllowDuplicateProperties = false };

    /// <summary>Loads the defaults and brings the stored ones up to date; returns what changed.</summary>
    public async Task<DefaultRulesOutcome> ApplyAsync(CancellationToken cancellationToken = default)
    {
        var path = Resolve();
        var rules = Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false), path);
        var outcome = await repository.UpsertDefaultsAsync(rules, time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        LogApplied(rules.Count, path, outcome.Inserted, outcome.Updated, outcome.Retired);
        return outcome;
    }

    /// <summary>The defaults file: the first of the candidate paths that exists.</summary>
    /// <exception cref="InvalidOperationException">No candidate exists.</exception>
    public string Resolve()
    {
        var file = options.Value.DefaultsFile;
        string[] candidates = Path.IsPathRooted(file)
            ? [file]
            : [Path.GetFullPath(file, environment.ContentRootPath), Path.GetFullPath(file, AppContext.BaseDirectory)];
        return candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            $"The default alert rules file of {RulesOptions.Section}:{nameof(RulesOptions.DefaultsFile)} ('{file}') does not exist; looked for {string.Join(" and ", candidates.Distinct())}.");
    }

    /// <summary>The rules of a defaults file, each checked like a rule sent to the API.</summary>
    /// <param name="json">The file's text: <c>{"rules": [{"id": "...", ...}]}</c>.</param>
    /// <param name="source">The file's path, for messages.</param>
    /// <exception cref="InvalidOperationException">The file or one of its rules is invalid; the message names the rule id and the field.</exception>
    public static IReadOnlyList<AlertRule> Parse(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw Invalid(source, $"it is not valid JSON ({ex.Message})");
        }

        if (root is not JsonObject file || file.Count != 1 || file["rules"] is not JsonArray entries)
        {
            throw Invalid(source, "it must be an object with one member, \"rules\": an array of rules");
        }

        var rules = new List<AlertRule>(entries.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonObject entry)
            {
                throw Invalid(source, $"rules[{i}] must be an object");
            }

            if (entry["id"] is not JsonValue idValue || !idValue.TryGetValue<string>(out var id) || !IsSlug(id))
            {
                throw Invalid(source, $"rules[{i}].id must be a slug such as \"high_error_rate\" (lower-case letters, digits, '_' and '-', at most {MaxIdLength} characters)");
            }

            if (!ids.Add(id))
            {
                throw Invalid(source, $"rule '{id}' appears twice");
            }

            var body = (JsonObject)entry.DeepClone();
            body.Remove("id");
            RuleDocument document;
            try
            {
                document = body.Deserialize<RuleDocument>(RuleJson.Strict)!;
            }
            catch (JsonException ex)
            {
                var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "$" : ex.Path.TrimStart('$', '.');
                throw Invalid(source, $"rule '{id}': {field}: {FirstSentence(ex.Message)}");
            }

            // Channels do not exist in Vigil yet (a later issue adds them): they are not checked.
            var (rule, errors) = RuleJson.ToRule(id, document, channelExists: null);
            if (rule is null)
            {
                throw Invalid(source, $"rule '{id}': {RuleJson.Describe(errors)}");
            }

            rules.Add(rule);
        }

        return rules;
    }

    private static bool IsSlug(string id) => id.Length <= MaxIdLength && SlugPattern().IsMatch(id);

    private static string FirstSentence(string message) =>
        message.IndexOf(". ", StringComparison.Ordinal) is var end and > 0 ? message[..(end + 1)] : message;

    private static InvalidOperationException Invalid(string source, string problem) =>
        new($"The default alert rules in {source} are invalid: {problem}");

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex SlugPattern();

    [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Loaded {Count} default alert rules from {Path}: {Inserted} new, {Updated} updated, {Retired} retired (no longer defaults, never edited)")]
    private partial void LogApplied(int count, string path, int inserted, int updated, int retired);
}
