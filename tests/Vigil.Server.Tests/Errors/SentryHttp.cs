using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace Vigil.Server.Tests.Errors;

/// <summary>What the error tests send: Sentry events and envelopes.</summary>
internal static class SentryHttp
{
    public const string EnvelopeType = "application/x-sentry-envelope";

    /// <summary>A .NET exception event thrown in <c>Shop.Orders.OrderService.Place</c> (called from <paramref name="caller"/>) at <paramref name="line"/>.</summary>
    public static string Event(string eventId, string message = "Order 42 not found", int line = 120, string? release = null, string? user = null,
        string type = "System.InvalidOperationException", string caller = "Post", string service = "shop") => $$$"""
        {"event_id":"{{{eventId}}}","level":"error","platform":"csharp"{{{(release is null ? "" : $",\"release\":\"{release}\"")}}},
         "transaction":"POST /orders","tags":{"service":"{{{service}}}","session_token":"s3cr3t"},
         {{{UserJson(user)}}}
         "request":{"url":"https://shop.example/orders?token=abc","method":"POST","cookies":"sid=cookie-value","headers":{"Authorization":"Bearer header-secret"},"data":{"card":"4111111111111111"}},
         "exception":{"values":[{"type":"{{{type}}}","value":"{{{message}}}","module":"System.Private.CoreLib",
           "stacktrace":{"frames":[
             {"module":"Microsoft.AspNetCore.Routing.EndpointMiddleware","function":"Invoke","lineno":10,"in_app":false},
             {"module":"Shop.Orders.OrdersController","function":"{{{caller}}}","lineno":{{{line - 89}}},"in_app":true},
             {"module":"Shop.Orders.OrderService","function":"Place","filename":"OrderService.cs","lineno":{{{line}}},"in_app":true}]}}]}}
        """;

    private static string UserJson(string? user) => user is null ? "" : $"\"user\":{{\"id\":\"{user}\",\"email\":\"{user}\"}},";

    /// <summary>An envelope holding <paramref name="items"/> (type and payload), length-delimited.</summary>
    public static byte[] Envelope(string? eventId, string? dsn, params (string Type, string Payload)[] items)
    {
        var text = new StringBuilder();
        text.Append('{').Append(eventId is null ? "" : $"\"event_id\":\"{eventId}\"").Append(dsn is null ? "" : $"{(eventId is null ? "" : ",")}\"dsn\":\"{dsn}\"").Append("}\n");
        foreach (var (type, payload) in items)
        {
            text.Append($"{{\"type\":\"{type}\",\"length\":{Encoding.UTF8.GetByteCount(payload)}}}\n").Append(payload).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public static byte[] Deflate(byte[] bytes)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Fastest))
        {
            zlib.Write(bytes);
        }

        return output.ToArray();
    }

    public static string Id(int n) => n.ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A client that presents <paramref name="key"/> as Sentry SDKs do, in <c>X-Sentry-Auth</c>.</summary>
    public static HttpClient SentryClient(VigilApp app, string key = VigilApp.AdminKey)
    {
        var client = app.WithKey(null);
        client.DefaultRequestHeaders.Add("X-Sentry-Auth", $"Sentry sentry_version=7, sentry_client=sentry.dotnet/7.0.0, sentry_key={key}");
        return client;
    }

    public static async Task<HttpResponseMessage> SendEnvelopeAsync(HttpClient client, byte[] envelope, string path = "/api/1/envelope/", string contentType = EnvelopeType, string? encoding = null)
    {
        var content = new ByteArrayContent(envelope);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        return await client.PostAsync(path, content);
    }
}
