using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;

namespace Vigil.Server.Tests.Delivery.Relay;

/// <summary>What a relay call got back.</summary>
internal sealed record RelayAnswer(int Status, string? RetryAfter, string? ContentType, JsonElement Body);

/// <summary>
/// Relay calls from a chosen client address, through the real server pipeline (the test host's
/// transport has no socket, so the address is set on the request as Kestrel would).
/// </summary>
internal static class RelayCalls
{
    public static async Task<RelayAnswer> PostAsync(VigilApp app, string slug, string address, string? secret, string body = """{"event":"order.created"}""")
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var context = await app.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = $"/api/webhook/{slug}";
            c.Request.ContentType = "application/json";
            c.Request.ContentLength = bytes.Length;
            c.Request.Body = new MemoryStream(bytes);
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            if (secret is not null)
            {
                c.Request.Headers["X-Relay-Secret"] = secret;
            }
        });
        using var reader = new StreamReader(context.Response.Body);
        var text = await reader.ReadToEndAsync();
        var json = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        var retryAfter = context.Response.Headers.RetryAfter.Count > 0 ? context.Response.Headers.RetryAfter.ToString() : null;
        return new RelayAnswer(context.Response.StatusCode, retryAfter, context.Response.ContentType, json);
    }

    /// <summary>Asserts a 429 (or <paramref name="status"/>) problem with a whole number of seconds in Retry-After.</summary>
    public static void AssertRetryLater(RelayAnswer answer, int status = StatusCodes.Status429TooManyRequests, int atMostSeconds = 60)
    {
        Assert.Equal(status, answer.Status);
        Assert.StartsWith("application/problem+json", answer.ContentType, StringComparison.Ordinal);
        Assert.Equal(status, answer.Body.GetProperty("status").GetInt32());
        Assert.True(int.TryParse(answer.RetryAfter, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds), $"Retry-After '{answer.RetryAfter}'");
        Assert.InRange(seconds, 1, atMostSeconds);
    }

    public static async Task<string> CreateWebhookChannelAsync(HttpClient admin, Uri url, string name = "hook")
    {
        var response = await admin.PostJsonAsync("/api/v1/channels", $$$"""{"name":"{{{name}}}","type":"webhook","config":{"url":"{{{url}}}"}}""");
        response.EnsureSuccessStatusCode();
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }
}
