using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vigil.Core;

namespace Vigil.Monitoring.Definitions;

/// <summary>
/// A monitor definition as JSON (the API's body, and what storage keeps): read strictly, with a
/// problem per field (unknown fields, wrong types, values out of range, a malformed URL or JSON
/// path), and written with every field, so a merge patch applies to the whole definition.
/// </summary>
public static class MonitorJson
{
    private static readonly HashSet<string> Common = new(StringComparer.Ordinal)
    {
        "name", "type", "enabled", "public", "publicName", "intervalSeconds", "retries", "retryIntervalSeconds",
    };

    private static readonly HashSet<string> HttpFields = new(StringComparer.Ordinal)
    {
        "url", "method", "headers", "body", "bodyContentType", "expectedStatus", "keyword", "invertKeyword", "jsonPath", "jsonPathValue",
        "degradedAboveMs", "certificateExpiryDays", "followRedirects", "ignoreTlsErrors", "timeoutSeconds",
    };

    private static readonly HashSet<string> TcpFields = new(StringComparer.Ordinal) { "host", "port", "timeoutSeconds", "degradedAboveMs" };

    private static readonly HashSet<string> HeartbeatFields = new(StringComparer.Ordinal) { "graceSeconds" };

    private static readonly HashSet<string> ReadOnly = new(StringComparer.Ordinal)
    {
        "id", "heartbeatUrl", "heartbeatToken", "state", "uptime", "recentChecks", "createdAt", "updatedAt", "version", "target", "inMaintenance",
    };

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

    /// <summary>
    /// Reads a definition and checks it (everything but where the target's address leads: see
    /// <see cref="Checks.MonitorValidator"/>). Read-only fields the API answers with (<c>id</c>, <c>state</c>,
    /// <c>uptime</c>...) are ignored, so a monitor read from the API can be sent back.
    /// </summary>
    public static MonitorParseResult Parse(JsonElement body, string id, MonitoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(options);
        var errors = new FieldErrors();

        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "The body must be a JSON object.");
            return Result(null, errors);
        }

        var type = MonitorType.Http;
        if (body.TryGetProperty("type", out var typeElement))
        {
            if (typeElement.ValueKind != JsonValueKind.String || !MonitorNames.TryParseType(typeElement.GetString(), out type))
            {
                errors.Add("type", "'type' must be one of http, tcp, heartbeat.");
                return Result(null, errors);
            }
        }

        var allowed = type switch
        {
            MonitorType.Http => HttpFields,
            MonitorType.Tcp => TcpFields,
            _ => HeartbeatFields,
        };
        foreach (var property in body.EnumerateObject())
        {
            if (!Common.Contains(property.Name) && !allowed.Contains(property.Name) && !ReadOnly.Contains(property.Name))
            {
                var other = HttpFields.Contains(property.Name) || TcpFields.Contains(property.Name) || HeartbeatFields.Contains(property.Name);
                errors.Add(property.Name, other ? $"'{property.Name}' does not apply to {type.ToWire()} monitors." : $"'{property.Name}' is not a known field.");
            }
        }

        string? Text(string name, int maxLength)
        {
            if (!body.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.String)
            {
                errors.Add(name, $"'{name}' must be a string.");
                return null;
            }

            var text = e.GetString()!;
            if (text.Length > maxLength)
            {
                errors.Add(name, string.Create(CultureInfo.InvariantCulture, $"'{name}' must be at most {maxLength} characters."));
            }

            return text;
        }

        bool? Bool(string name)
        {
            if (!body.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                errors.Add(name, $"'{name}' must be true or false.");
                return null;
            }

            return e.GetBoolean();
        }

        double? Number(string name, double min, double max, bool integer)
        {
            if (!body.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var value) || !double.IsFinite(value) || (integer && value != Math.Floor(value)))
            {
                errors.Add(name, integer ? $"'{name}' must be a whole number." : $"'{name}' must be a number.");
                return null;
            }

            if (value < min || value > max)
            {
                errors.Add(name, string.Create(CultureInfo.InvariantCulture, $"'{name}' must be between {min} and {max}."));
                return null;
            }

            return value;
        }

        var name = Text("name", 200);
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add("name", "'name' is required.");
        }

        var publicName = Text("publicName", 200);
        if (publicName is not null && string.IsNullOrWhiteSpace(publicName))
        {
            errors.Add("publicName", "'publicName' must not be blank (leave it out to show the name).");
        }

        var interval = (int?)Number("intervalSeconds", MonitoringOptions.MinIntervalSeconds, options.MaxIntervalSeconds, integer: true) ?? 60;
        var retries = (int?)Number("retries", 0, 10, integer: true) ?? 0;
        var retryInterval = (int?)Number("retryIntervalSeconds", 1, 3600, integer: true) ?? MonitorDefinition.DefaultRetryIntervalSeconds;
        var definition = new MonitorDefinition
        {
            Id = id,
            Name = name?.Trim() ?? "",
            Type = type,
            Enabled = Bool("enabled") ?? true,
            Public = Bool("public") ?? false,
            PublicName = string.IsNullOrWhiteSpace(publicName) ? null : publicName.Trim(),
            IntervalSeconds = interval,
            Retries = retries,
            RetryIntervalSeconds = retryInterval,
        };

        if (type is MonitorType.Http or MonitorType.Tcp)
        {
            var timeout = Number("timeoutSeconds", 0.1, double.MaxValue, integer: false);
            if (timeout is { } t && (t > options.MaxTimeoutSeconds || t > interval))
            {
                errors.Add("timeoutSeconds", string.Create(CultureInfo.InvariantCulture, $"'timeoutSeconds' must be at most {Math.Min(options.MaxTimeoutSeconds, interval)} (the interval, and Vigil:Monitoring:MaxTimeoutSeconds)."));
            }

            definition = definition with
            {
                TimeoutSeconds = timeout ?? Math.Min(10, interval),
                DegradedAboveMs = Number("degradedAboveMs", 1, 3_600_000, integer: false),
            };
        }

        if (type == MonitorType.Http)
        {
            var url = Text("url", 2000);
            if (string.IsNullOrWhiteSpace(url))
            {
                errors.Add("url", "'url' is required for http monitors.");
            }
            else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            {
                errors.Add("url", "'url' must be an absolute http:// or https:// URL.");
            }
            else if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add("url", "'url' must not carry a user name or password: send an Authorization header instead.");
            }

            var method = (Text("method", 10) ?? "GET").ToUpperInvariant();
            if (!Methods.Contains(method, StringComparer.Ordinal))
            {
                errors.Add("method", $"'method' must be one of {string.Join(", ", Methods)}.");
            }

            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (body.TryGetProperty("headers", out var headersElement) && headersElement.ValueKind != JsonValueKind.Null)
            {
                if (headersElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("headers", "'headers' must be an object of names and string values.");
                }
                else
                {
                    foreach (var header in headersElement.EnumerateObject())
                    {
                        var field = $"headers.{header.Name}";
                        if (header.Value.ValueKind != JsonValueKind.String)
                        {
                            errors.Add(field, "A header's value must be a string.");
                        }
                        else if (!IsToken(header.Name) || header.Value.GetString()!.Any(c => c is '\r' or '\n'))
                        {
                            errors.Add(field, "A header needs a name of letters, digits and !#$%&'*+-.^_`|~, and a value on one line.");
                        }
                        else if (!headers.TryAdd(header.Name, header.Value.GetString()!))
                        {
                            errors.Add(field, "The header is named twice.");
                        }
                    }

                    if (headers.Count > 50)
                    {
                        errors.Add("headers", "At most 50 headers.");
                    }
                }
            }

            var statuses = new List<StatusRange>();
            if (body.TryGetProperty("expectedStatus", out var statusElement) && statusElement.ValueKind != JsonValueKind.Null)
            {
                if (statusElement.ValueKind != JsonValueKind.Array || statusElement.GetArrayLength() is 0 or > 20)
                {
                    errors.Add("expectedStatus", "'expectedStatus' must be a list of 1 to 20 codes or ranges, e.g. [200, \"300-399\", \"2xx\"].");
                }
                else
                {
                    var index = 0;
                    foreach (var item in statusElement.EnumerateArray())
                    {
                        var text = item.ValueKind switch
                        {
                            JsonValueKind.Number => item.GetRawText(),
                            JsonValueKind.String => item.GetString(),
                            _ => null,
                        };
                        if (StatusRange.TryParse(text, out var range))
                        {
                            statuses.Add(range);
                        }
                        else
                        {
                            errors.Add(string.Create(CultureInfo.InvariantCulture, $"expectedStatus[{index}]"), "A status is a code from 100 to 599, a range like \"200-299\", or a class like \"2xx\".");
                        }

                        index++;
                    }
                }
            }

            var jsonPath = Text("jsonPath", 500);
            if (jsonPath is not null && !JsonPathExpression.TryParse(jsonPath, out _, out var pathError))
            {
                errors.Add("jsonPath", pathError!);
            }

            var jsonPathValue = Text("jsonPathValue", 1000);
            if (jsonPathValue is not null && jsonPath is null)
            {
                errors.Add("jsonPathValue", "'jsonPathValue' needs a 'jsonPath'.");
            }

            var keyword = Text("keyword", 1000);
            if (keyword is { Length: 0 })
            {
                errors.Add("keyword", "'keyword' must not be empty (leave it out for no keyword).");
            }

            var invert = Bool("invertKeyword") ?? false;
            if (invert && keyword is null)
            {
                errors.Add("invertKeyword", "'invertKeyword' needs a 'keyword'.");
            }

            var certificateDays = Number("certificateExpiryDays", 0, 365, integer: true);
            var certificateSet = body.TryGetProperty("certificateExpiryDays", out var certElement);
            definition = definition with
            {
                Url = url,
                Method = method,
                Headers = headers,
                Body = Text("body", 64 * 1024),
                BodyContentType = Text("bodyContentType", 200) ?? "application/json",
                ExpectedStatus = statuses.Count > 0 ? statuses : [StatusRange.Success],
                Keyword = keyword,
                InvertKeyword = invert,
                JsonPath = jsonPath,
                JsonPathValue = jsonPathValue,
                CertificateExpiryDays = certificateSet && certElement.ValueKind == JsonValueKind.Null ? null : (int?)certificateDays ?? 14,
                FollowRedirects = Bool("followRedirects") ?? true,
                IgnoreTlsErrors = Bool("ignoreTlsErrors") ?? false,
            };
            if (definition.Body is not null && method is "GET" or "HEAD")
            {
                errors.Add("body", $"A {method} request has no body.");
            }
        }
        else if (type == MonitorType.Tcp)
        {
            var host = Text("host", 253);
            if (string.IsNullOrWhiteSpace(host))
            {
                errors.Add("host", "'host' is required for tcp monitors.");
            }
            else if (Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                errors.Add("host", "'host' must be a host name or an IP address.");
            }

            var port = (int?)Number("port", 1, 65535, integer: true);
            if (port is null && !errors.Has("port"))
            {
                errors.Add("port", "'port' is required for tcp monitors (1 to 65535).");
            }

            definition = definition with { Host = host, Port = port };
        }
        else
        {
            definition = definition with { GraceSeconds = (int?)Number("graceSeconds", 0, 7 * 86_400, integer: true) ?? 60 };
        }

        return Result(definition, errors);
    }

    /// <summary>The definition as JSON with every field of its type (not the id).</summary>
    public static JsonObject Write(MonitorDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var json = new JsonObject
        {
            ["name"] = definition.Name,
            ["type"] = definition.Type.ToWire(),
            ["enabled"] = definition.Enabled,
            ["public"] = definition.Public,
            ["publicName"] = definition.PublicName,
            ["intervalSeconds"] = definition.IntervalSeconds,
            ["retries"] = definition.Retries,
            ["retryIntervalSeconds"] = definition.RetryIntervalSeconds,
        };
        switch (definition.Type)
        {
            case MonitorType.Http:
                json["url"] = definition.Url;
                json["method"] = definition.Method;
                json["headers"] = new JsonObject(definition.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)JsonValue.Create(h.Value))));
                json["body"] = definition.Body;
                json["bodyContentType"] = definition.BodyContentType;
                json["expectedStatus"] = new JsonArray([.. definition.ExpectedStatus.Select(s => (JsonNode?)JsonValue.Create(s.ToString()))]);
                json["keyword"] = definition.Keyword;
                json["invertKeyword"] = definition.InvertKeyword;
                json["jsonPath"] = definition.JsonPath;
                json["jsonPathValue"] = definition.JsonPathValue;
                json["timeoutSeconds"] = definition.TimeoutSeconds;
                json["degradedAboveMs"] = definition.DegradedAboveMs;
                json["certificateExpiryDays"] = definition.CertificateExpiryDays;
                json["followRedirects"] = definition.FollowRedirects;
                json["ignoreTlsErrors"] = definition.IgnoreTlsErrors;
                break;
            case MonitorType.Tcp:
                json["host"] = definition.Host;
                json["port"] = definition.Port;
                json["timeoutSeconds"] = definition.TimeoutSeconds;
                json["degradedAboveMs"] = definition.DegradedAboveMs;
                break;
            default:
                json["graceSeconds"] = definition.GraceSeconds;
                break;
        }

        return json;
    }

    /// <summary>Reads a definition storage wrote with <see cref="Write"/> (checked again with generous limits).</summary>
    /// <exception cref="InvalidDataException">The stored JSON is not a valid definition.</exception>
    public static MonitorDefinition ReadStored(string id, string json)
    {
        using var document = JsonDocument.Parse(json);
        var parsed = Parse(document.RootElement, id, new MonitoringOptions { MaxIntervalSeconds = 31 * 86_400, MaxTimeoutSeconds = 600 });
        return parsed.Definition is { } definition && parsed.Errors.Count == 0
            ? definition
            : throw new InvalidDataException($"The stored monitor {id} is invalid: {string.Join("; ", parsed.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}");
    }

    private static MonitorParseResult Result(MonitorDefinition? definition, FieldErrors errors) =>
        errors.Count == 0
            ? new MonitorParseResult(definition, new Dictionary<string, string[]>())
            : new MonitorParseResult(null, errors.ToDictionary());

    private static bool IsToken(string name) =>
        name.Length is > 0 and <= 100 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
