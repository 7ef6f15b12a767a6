using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Destinations;

namespace Vigil.Notifications.Webhooks;

/// <summary>Posts one JSON body and maps the answer to a <see cref="DeliveryResult"/>.</summary>
internal static class HttpDelivery
{
    // The start of a failed reply is its reason; the sender cleans it of our secrets and shortens it.
    private const int MaxErrorBodyBytes = 512;

    public static readonly string UserAgent = $"Vigil/{AlertNotification.DefaultVersion}";

    /// <summary>
    /// POSTs <paramref name="body"/> to <paramref name="url"/> within <paramref name="timeout"/> (on
    /// <paramref name="time"/>). Only a cancellation of <paramref name="cancellationToken"/> throws.
    /// </summary>
    public static async ValueTask<DeliveryResult> PostAsync(
        HttpClient client,
        Uri url,
        byte[] body,
        Action<HttpRequestHeaders>? headers,
        TimeSpan timeout,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.UserAgent.ParseAdd(UserAgent);
            headers?.Invoke(request.Headers);

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (status is >= 200 and < 300)
            {
                return DeliveryResult.Delivered(time.GetElapsedTime(started), status);
            }

            string detail = await ReadSomeAsync(response, linked.Token).ConfigureAwait(false);
            return Map(response, detail, time, time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retryable(string.Create(CultureInfo.InvariantCulture, $"No answer within {timeout.TotalSeconds:0.#} s."), time.GetElapsedTime(started));
        }
        catch (HttpRequestException ex) when (FindRefusal(ex) is { } refusal)
        {
            return DeliveryResult.Permanent(refusal.Message, time.GetElapsedTime(started));
        }
        catch (HttpRequestException ex)
        {
            return DeliveryResult.Retryable($"The request failed: {ex.Message}", time.GetElapsedTime(started));
        }
        catch (IOException ex)
        {
            return DeliveryResult.Retryable($"The connection failed: {ex.Message}", time.GetElapsedTime(started));
        }
    }

    /// <summary>Maps a non-2xx answer: 3xx and 4xx permanent, 410 gone, 429/5xx retryable with their <c>Retry-After</c>.</summary>
    public static DeliveryResult Map(HttpResponseMessage response, string detail, TimeProvider time, TimeSpan duration)
    {
        int status = (int)response.StatusCode;
        string error = string.Create(CultureInfo.InvariantCulture, $"HTTP {status} {response.ReasonPhrase}{(detail.Length > 0 ? ": " + detail : "")}");
        if (status == (int)HttpStatusCode.Gone)
        {
            return new DeliveryResult(DeliveryStatus.Gone, error + " (the destination is gone: disable the channel)", status, null, duration);
        }

        if (status is 429 or >= 500)
        {
            return DeliveryResult.Retryable(error, duration, status, RetryAfterOf(response, time));
        }

        if (status is >= 300 and < 400)
        {
            string location = response.Headers.Location is { } l ? $" to {ChannelMasking.MaskUrl(l.IsAbsoluteUri ? l.ToString() : new Uri(response.RequestMessage?.RequestUri ?? new Uri("http://unknown/"), l).ToString())}" : "";
            return DeliveryResult.Permanent($"HTTP {status}: redirects{location} are not followed; configure the final URL.", duration, status);
        }

        return DeliveryResult.Permanent(error, duration, status);
    }

    /// <summary>The <c>Retry-After</c> of an answer (seconds or an HTTP date), never negative.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response, TimeProvider time)
    {
        if (response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var wait = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - time.GetUtcNow() : (TimeSpan?)null);
        return wait is { } w && w < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static DestinationRefusedException? FindRefusal(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is DestinationRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }

    private static async Task<string> ReadSomeAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                byte[] buffer = new byte[MaxErrorBodyBytes];
                int read = 0;
                while (read < buffer.Length)
                {
                    int n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    read += n;
                }

                string text = Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
                return read == buffer.Length ? text + "…" : text;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return "";
        }
    }
}
