using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Vigil.LoadTest;

/// <summary>The few admin calls the delivery benchmarks make: webhook channels and alert rules.</summary>
internal static class AdminApi
{
    /// <summary>Creates an HTTP client for the server with the admin key.</summary>
    public static HttpClient Client(LoadTestOptions options, int connections = 4) => Client(options.Url, options.Key, connections);

    /// <summary>Creates an HTTP client for the server at <paramref name="url"/> with <paramref name="key"/>.</summary>
    public static HttpClient Client(Uri url, string key, int connections = 4)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = connections }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>Creates a generic webhook channel to <paramref name="url"/>, signed with a fresh secret; returns its id.</summary>
    public static Task<string> CreateWebhookChannelAsync(HttpClient http, string name, Uri url, int maxConcurrency, CancellationToken cancellationToken) =>
        CreateAsync(http, "/api/v1/channels", new JsonObject
        {
            ["name"] = name,
            ["type"] = "webhook",
            ["maxConcurrency"] = maxConcurrency,
            ["config"] = new JsonObject
            {
                ["url"] = url.ToString(),
                ["secret"] = "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)),
            },
        }, cancellationToken);

    /// <summary>
    /// Creates a static critical rule <c>max(metric) &gt; 1000</c> over 1 minute, grouped by
    /// <paramref name="groupBy"/>, firing at once (<c>forSeconds</c> 0, no cooldown); returns its id.
    /// </summary>
    public static Task<string> CreateRuleAsync(HttpClient http, string name, string metric, JsonObject match, string groupBy, IEnumerable<string> channels, CancellationToken cancellationToken) =>
        CreateAsync(http, "/api/v1/alerts/rules", new JsonObject
        {
            ["name"] = name,
            ["metric"] = metric,
            ["match"] = match,
            ["groupBy"] = new JsonArray(groupBy),
            ["aggregation"] = "max",
            ["windowMinutes"] = 1,
            ["minDataPoints"] = 1,
            ["thresholdType"] = "static",
            ["threshold"] = 1000,
            ["comparison"] = "greater_than",
            ["forSeconds"] = 0,
            ["severity"] = "critical",
            ["cooldownMinutes"] = 0,
            ["channels"] = new JsonArray([.. channels.Select(c => (JsonNode)JsonValue.Create(c))]),
            ["enabled"] = true,
        }, cancellationToken);

    public static async Task DeleteAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        using var response = await http.DeleteAsync(path, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<string> CreateAsync(HttpClient http, string path, JsonObject body, CancellationToken cancellationToken)
    {
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(path, content, cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)!["id"]!.GetValue<string>();
    }
}
