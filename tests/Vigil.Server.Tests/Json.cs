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

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A batch of timing points as JSON.</summary>
    public static string Timings(string name, IEnumerable<double> values, string labels, DateTimeOffset at) =>
        "{\"points\":[" + string.Join(',', values.Select(v =>
            $"{{\"name\":\"{name}\",\"type\":\"timing\",\"value\":{v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)},\"labels\":{labels},\"timestamp\":\"{Iso(at)}\"}}")) + "]}";
}
