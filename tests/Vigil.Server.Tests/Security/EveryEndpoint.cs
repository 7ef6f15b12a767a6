using System.Net;
using System.Text.Json;
using Vigil.Core.Metrics;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Reads every GET endpoint of the API (and each rule's test, each alert's detail, each
/// metric's series under every aggregation) and asserts none answers a 5xx: what the security
/// tests run after sending hostile input, to prove nothing stored made the API unusable.
/// </summary>
internal static class EveryEndpoint
{
    private static readonly string[] Lists =
    [
        "/api/v1/alerts", "/api/v1/alerts?status=firing", "/api/v1/alerts?status=resolved", "/api/v1/alerts?severity=critical",
        "/api/v1/alerts?from=0&to=253370764800", "/api/v1/alerts/stats", "/api/v1/alerts/stats?window=1h", "/api/v1/notifications",
        "/api/v1/alerts/rules", "/api/v1/silences", "/api/v1/silences?all=true", "/api/v1/metrics", "/api/v1/metrics?window=15m",
        "/api/v1/metrics?format=prometheus", "/metrics", "/api/v1/channels", "/api/v1/relay/endpoints", "/api/v1/relay/requests",
        "/api/v1/relay/stats", "/api/v1/deliveries", "/api/v1/keys", "/api/health",
    ];

    /// <summary>
    /// Reads everything; asserts 200 for every list and detail, for the series of
    /// <paramref name="metrics"/> under each aggregation (4xx only for quantiles of non-timings)
    /// and for each rule's test. Returns the alerts listed.
    /// </summary>
    public static async Task<JsonElement[]> ReadAllAsync(HttpClient client, params string[] metrics)
    {
        foreach (var url in Lists)
        {
            await ExpectOkAsync(client, url);
        }

        var alerts = (await ReadAsync(client, "/api/v1/alerts?limit=1000")).EnumerateArray().ToArray();
        foreach (var alert in alerts)
        {
            var id = alert.GetProperty("id").GetString();
            await ExpectOkAsync(client, $"/api/v1/alerts/{id}");
            await ExpectOkAsync(client, $"/api/v1/alerts?ruleId={alert.GetProperty("ruleId").GetString()}");
        }

        foreach (var rule in (await ReadAsync(client, "/api/v1/alerts/rules")).EnumerateArray())
        {
            var id = rule.GetProperty("id").GetString();
            await ExpectOkAsync(client, $"/api/v1/alerts/rules/{id}");
            var test = await client.PostAsync($"/api/v1/alerts/rules/{id}/test?step=10m", null);
            Assert.True(test.StatusCode == HttpStatusCode.OK, $"rule test of {rule}: {(int)test.StatusCode} {await test.Content.ReadAsStringAsync()}");
        }

        foreach (var metric in metrics)
        {
            foreach (var agg in AggregationNames.All)
            {
                foreach (var range in new[] { "", "&step=60s", "&from=0&to=253370764800&step=3650d" })
                {
                    var response = await client.GetAsync($"/api/v1/series?metric={metric}&agg={agg}{range}");
                    var quantile = AggregationNames.TryParse(agg, out var parsed) && parsed.Quantile() is not null;
                    Assert.True(
                        response.StatusCode == HttpStatusCode.OK || (quantile && response.StatusCode == HttpStatusCode.BadRequest),
                        $"series of {metric} by {agg}{range}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }

        return alerts;
    }

    /// <summary>Asserts a refused request was a 4xx <c>problem+json</c> and an accepted one a 2xx: never a 5xx.</summary>
    public static async Task AssertNot5xxAsync(HttpResponseMessage response, string what)
    {
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{what}: {status} {await response.Content.ReadAsStringAsync()}");
        if (status >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static async Task ExpectOkAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<JsonElement> ReadAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync();
    }
}
