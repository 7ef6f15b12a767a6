using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Notifications.Channels;

/// <summary>
/// Reads and writes the channel body of the API (SPEC §4), camelCase:
/// <c>{"name","type","enabled","maxConcurrency","digestMinutes","quietHours":{"start":"22:00","end":"07:00","timeZone"},"config":{...}}</c>.
/// Reading reports every bad field at once (wrong JSON kinds, unknown fields, and what
/// <see cref="ChannelValidator"/> finds). Writing writes the secrets as they are: mask them with
/// <see cref="ChannelMasking.Mask(ChannelDefinition)"/> before answering an API call.
/// </summary>
public static class ChannelJson
{
    private static readonly string[] RootFields = ["id", "name", "type", "enabled", "maxConcurrency", "digestMinutes", "quietHours", "config"];

    /// <summary>Reads a channel body from JSON text.</summary>
    /// <param name="json">The body.</param>
    /// <param name="id">The id to give the channel (the server's); the body's own <c>id</c> when null.</param>
    /// <returns>The channel, or the problems.</returns>
    public static ChannelParseResult Parse(string json, string? id = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement, id);
        }
        catch (JsonException ex)
        {
            return new(null, [new ChannelProblem("", $"The body is not valid JSON: {ex.Message}")]);
        }
    }

    /// <summary>Reads a channel body.</summary>
    /// <param name="body">The body.</param>
    /// <param name="id">The id to give the channel (the server's); the body's own <c>id</c> when null.</param>
    /// <returns>The channel, or the problems.</returns>
    public static ChannelParseResult Parse(JsonElement body, string? id = null)
    {
        var reader = new FieldReader();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return new(null, [new ChannelProblem("", "The body must be a JSON object.")]);
        }

        reader.RejectUnknown(body, "", RootFields);
        string bodyId = reader.String(body, "id", "id", required: false) ?? "";
        string name = reader.String(body, "name", "name", required: true) ?? "";
        string? typeText = reader.String(body, "type", "type", required: true);
        bool enabled = reader.Bool(body, "enabled", "enabled") ?? true;
        int maxConcurrency = reader.Int(body, "maxConcurrency", "maxConcurrency") ?? ChannelDefinition.DefaultMaxConcurrency;
        int? digestMinutes = reader.Int(body, "digestMinutes", "digestMinutes");
        QuietHours? quietHours = ReadQuietHours(body, reader);

        if (typeText is null && !reader.Problems.Exists(p => p.Field == "type"))
        {
            reader.Add("type", "A channel type is required: email, slack, discord, teams, webhook or in_app.");
        }

        ChannelType type = default;
        bool typeKnown = typeText is not null && ChannelNames.TryParseChannelType(typeText, out type);
        if (typeText is not null && !typeKnown)
        {
            reader.Add("type", $"Unknown channel type '{typeText}'; expected one of email, slack, discord, teams, webhook, in_app.");
        }

        ChannelConfig? config = null;
        if (typeKnown)
        {
            var configElement = body.TryGetProperty("config", out var c) ? c : default;
            if (configElement.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null && type == ChannelType.InApp)
            {
                config = new InAppChannelConfig();
            }
            else if (configElement.ValueKind != JsonValueKind.Object)
            {
                reader.Add("config", configElement.ValueKind == JsonValueKind.Undefined ? "The config object is required." : "config must be an object.");
            }
            else
            {
                config = ReadConfig(type, configElement, reader);
            }
        }

        if (config is null)
        {
            return new(null, reader.Problems);
        }

        var channel = new ChannelDefinition(id ?? bodyId, name, type, config)
        {
            Enabled = enabled,
            MaxConcurrency = maxConcurrency,
            DigestMinutes = digestMinutes,
            QuietHours = quietHours,
        };

        var problems = reader.Problems;
        foreach (var problem in ChannelValidator.Validate(channel))
        {
            // A field already reported as the wrong kind of JSON is not reported again as missing.
            if (!problems.Exists(p => p.Field == problem.Field))
            {
                problems.Add(problem);
            }
        }

        return problems.Count == 0 ? new(channel, []) : new(null, problems);
    }

    /// <summary>Writes a channel as its API body, with its <c>id</c>.</summary>
    /// <param name="channel">The channel (masked first, for an API answer).</param>
    /// <returns>The JSON object.</returns>
    public static JsonObject ToJson(ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var json = new JsonObject
        {
            ["id"] = channel.Id,
            ["name"] = channel.Name,
            ["type"] = channel.Type.ToWire(),
            ["enabled"] = channel.Enabled,
            ["maxConcurrency"] = channel.MaxConcurrency,
            ["digestMinutes"] = channel.DigestMinutes,
            ["quietHours"] = channel.QuietHours is { } q
                ? new JsonObject
                {
                    ["start"] = q.Start.ToString("HH:mm", CultureInfo.InvariantCulture),
                    ["end"] = q.End.ToString("HH:mm", CultureInfo.InvariantCulture),
                    ["timeZone"] = q.TimeZone,
                }
                : null,
            ["config"] = channel.Config switch
            {
                EmailChannelConfig e => new JsonObject
                {
                    ["host"] = e.Host,
                    ["port"] = e.Port,
                    ["tls"] = e.Tls.ToWire(),
                    ["username"] = e.Username,
                    ["password"] = e.Password,
                    ["from"] = e.From,
                    ["to"] = new JsonArray([.. e.To.Select(t => (JsonNode?)JsonValue.Create(t))]),
                },
                ChatChannelConfig chat => new JsonObject { ["webhookUrl"] = chat.WebhookUrl },
                WebhookChannelConfig w => new JsonObject { ["url"] = w.Url, ["secret"] = w.Secret, ["bearerToken"] = w.BearerToken },
                _ => new JsonObject(),
            },
        };
        return json;
    }

    /// <summary>Writes a channel as its API body text, with its <c>id</c>.</summary>
    /// <param name="channel">The channel (masked first, for an API answer).</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(ChannelDefinition channel) => ToJson(channel).ToJsonString();

    private static QuietHours? ReadQuietHours(JsonElement body, FieldReader reader)
    {
        if (!body.TryGetProperty("quietHours", out var q) || q.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (q.ValueKind != JsonValueKind.Object)
        {
            reader.Add("quietHours", "quietHours must be an object {\"start\":\"22:00\",\"end\":\"07:00\",\"timeZone\":\"Europe/Paris\"} or null.");
            return null;
        }

        reader.RejectUnknown(q, "quietHours.", ["start", "end", "timeZone"]);
        TimeOnly? start = reader.Time(q, "start", "quietHours.start");
        TimeOnly? end = reader.Time(q, "end", "quietHours.end");
        string timeZone = reader.String(q, "timeZone", "quietHours.timeZone", required: true) ?? "";
        return start is { } s && end is { } e ? new QuietHours(s, e, timeZone) : null;
    }

    private static ChannelConfig ReadConfig(ChannelType type, JsonElement config, FieldReader reader)
    {
        switch (type)
        {
            case ChannelType.Email:
            {
                reader.RejectUnknown(config, "config.", ["host", "port", "tls", "username", "password", "from", "to"]);
                string host = reader.String(config, "host", "config.host", required: true) ?? "";
                SmtpTls tls = SmtpTls.StartTls;
                if (reader.String(config, "tls", "config.tls", required: false) is { } tlsText && !ChannelNames.TryParseTls(tlsText, out tls))
                {
                    reader.Add("config.tls", $"Unknown TLS mode '{tlsText}'; expected none, starttls or ssl.");
                }

                int port = reader.Int(config, "port", "config.port") ?? tls switch
                {
                    SmtpTls.Ssl => 465,
                    SmtpTls.None => 25,
                    _ => 587,
                };
                string? username = reader.String(config, "username", "config.username", required: false);
                string? password = reader.String(config, "password", "config.password", required: false);
                string from = reader.String(config, "from", "config.from", required: true) ?? "";
                var to = new List<string>();
                if (config.TryGetProperty("to", out var toElement) && toElement.ValueKind != JsonValueKind.Null)
                {
                    if (toElement.ValueKind != JsonValueKind.Array)
                    {
                        reader.Add("config.to", "to must be a list of email addresses.");
                    }
                    else
                    {
                        int i = 0;
                        foreach (var item in toElement.EnumerateArray())
                        {
                            if (item.ValueKind == JsonValueKind.String)
                            {
                                to.Add(item.GetString()!);
                            }
                            else
                            {
                                reader.Add($"config.to[{i}]", "Each recipient must be a string.");
                                to.Add("");
                            }

                            i++;
                        }
                    }
                }

                return new EmailChannelConfig(host, port, tls, NullIfEmpty(username), NullIfEmpty(password), from, to);
            }

            case ChannelType.Webhook:
                reader.RejectUnknown(config, "config.", ["url", "secret", "bearerToken"]);
                return new WebhookChannelConfig(
                    reader.String(config, "url", "config.url", required: true) ?? "",
                    reader.String(config, "secret", "config.secret", required: false),
                    reader.String(config, "bearerToken", "config.bearerToken", required: false));

            case ChannelType.InApp:
                reader.RejectUnknown(config, "config.", []);
                return new InAppChannelConfig();

            default:
                reader.RejectUnknown(config, "config.", ["webhookUrl"]);
                return new ChatChannelConfig(reader.String(config, "webhookUrl", "config.webhookUrl", required: true) ?? "");
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Reads fields of a JSON object, collecting a problem for every one of the wrong kind.</summary>
    private sealed class FieldReader
    {
        public List<ChannelProblem> Problems { get; } = [];

        public void Add(string field, string message) => Problems.Add(new(field, message));

        public void RejectUnknown(JsonElement obj, string prefix, string[] known)
        {
            foreach (var property in obj.EnumerateObject())
            {
                if (Array.IndexOf(known, property.Name) < 0)
                {
                    Add(prefix + property.Name, "Unknown field.");
                }
            }
        }

        public string? String(JsonElement obj, string name, string field, bool required)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind != JsonValueKind.String)
            {
                Add(field, $"{name} must be a string{(required ? "" : " or null")}.");
                return null;
            }

            return value.GetString();
        }

        public bool? Bool(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return value.GetBoolean();
            }

            Add(field, $"{name} must be true or false.");
            return null;
        }

        public int? Int(JsonElement obj, string name, string field)
        {
            if (!obj.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number))
            {
                return number;
            }

            Add(field, $"{name} must be a whole number.");
            return null;
        }

        public TimeOnly? Time(JsonElement obj, string name, string field)
        {
            if (obj.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                && TimeOnly.TryParseExact(value.GetString(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            {
                return time;
            }

            Add(field, $"{name} must be a local time such as \"22:00\".");
            return null;
        }
    }
}
