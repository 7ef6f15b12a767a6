using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Vigil.Server.Tests;

internal static class Json
{
    public static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadAsync(this HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, Body(json));

    /// <summary>Asserts a 400 <c>problem+json</c> whose first message for <paramref name="field"/> contains <paramref name="message"/>.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, string field, string message)
    {
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var messages), $"no error for '{field}' in {problem}");
        Assert.Contains(message, messages[0].GetString(), StringComparison.Ordinal);
    }

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A batch of timing points as JSON.</summary>
    public static string Timings(string name, IEnumerable<double> values, string labels, DateTimeOffset at) =>
        "{\"points\":[" + string.Join(',', values.Select(v =>
            $"{{\"name\":\"{name}\",\"type\":\"timing\",\"value\":{v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},\"labels\":{labels},\"timestamp\":\"{Iso(at)}\"}}")) + "]}";
}
