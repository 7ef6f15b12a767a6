using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Core.Diagnostics;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Chat;
using Vigil.Notifications.Destinations;
using Vigil.Notifications.Email;
using Vigil.Notifications.Resilience;
using Vigil.Notifications.Webhooks;

namespace Vigil.Notifications.Delivery;

/// <summary>
/// Delivers one notification to one channel and says how it went: the server's delivery job calls
/// <see cref="SendAsync"/> once per attempt and completes, retries or dead-letters the job from the
/// <see cref="DeliveryResult"/>. Every destination gets its own circuit breaker and rate limit, every
/// connection obeys the private-network rule of <see cref="DestinationGuard"/>. The sender does not
/// bound how many attempts run at once: a channel's <see cref="ChannelDefinition.MaxConcurrency"/> is
/// enforced by the job queue (its deliveries share the channel id as concurrency key), the one
/// source of truth; a channel test sends outside the queue, one message per request, and is bounded
/// only by the destination's rate limit.
/// </summary>
public sealed partial class NotificationSender
{
    // The longest delivery error kept (the delivery log shows it to viewers).
    private const int MaxErrorLength = 300;

    private readonly IHttpClientFactory _httpClients;
    private readonly EmailSender _email;
    private readonly DestinationResilience _resilience;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal NotificationSender(
        IHttpClientFactory httpClients,
        EmailSender email,
        DestinationResilience resilience,
        IOptionsMonitor<DeliveryOptions> options,
        TimeProvider time,
        ILogger<NotificationSender> logger)
    {
        _httpClients = httpClients;
        _email = email;
        _resilience = resilience;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Makes one delivery attempt. Delivery failures never throw: they come back as a
    /// <see cref="DeliveryResult"/> (retryable, permanent, gone, or short-circuited without using up an attempt).
    /// </summary>
    /// <param name="request">What to deliver, where, and which attempt this is.</param>
    /// <param name="cancellationToken">Shutdown: its cancellation throws <see cref="OperationCanceledException"/> (the attempt did not finish).</param>
    /// <returns>How the attempt went.</returns>
    public async Task<DeliveryResult> SendAsync(DeliveryRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var channel = request.Channel;
        if (!channel.Enabled)
        {
            return DeliveryResult.Permanent("The channel is disabled.", TimeSpan.Zero);
        }

        if (ChannelValidator.Validate(channel) is { Count: > 0 } problems)
        {
            return DeliveryResult.Permanent($"The channel's settings are invalid: {problems[0].Field}: {problems[0].Message}", TimeSpan.Zero);
        }

        if (channel.Type == ChannelType.InApp)
        {
            // The feed is the server's own table: nothing leaves the process.
            return DeliveryResult.Delivered(TimeSpan.Zero);
        }

        var result = channel.Config switch
        {
            EmailChannelConfig email => await SendEmailAsync(request, email, cancellationToken).ConfigureAwait(false),
            _ => await SendHttpAsync(request, cancellationToken).ConfigureAwait(false),
        };

        // The reply may echo what we sent (an Authorization header, the URL's token): keep none of
        // it, and only a short reason beside the status.
        if (result.Error is { } error)
        {
            var redacted = ChannelMasking.Redact(error, channel);
            result = result with { Error = redacted.Length <= MaxErrorLength ? redacted : string.Concat(redacted.AsSpan(0, MaxErrorLength - 1), "…") };
        }

        if (result.IsDelivered)
        {
            LogDelivered(_logger, channel.Id, channel.Type.ToWire(), request.IdempotencyKey, request.Attempt, result.Duration.TotalMilliseconds);
        }
        else
        {
            LogFailed(_logger, channel.Id, channel.Type.ToWire(), request.IdempotencyKey, request.Attempt, result.Status, LogText.Encode(result.Error));
        }

        return result;
    }

    /// <summary>The circuit breaker of every destination attempted so far, for the API and metrics.</summary>
    /// <returns>One entry per destination.</returns>
    public IReadOnlyList<DestinationHealth> GetDestinationHealth() => _resilience.Snapshot();

    /// <summary>The circuit breaker of a channel's destination.</summary>
    /// <param name="channel">The channel.</param>
    /// <returns>Its destination's breaker, or <see langword="null"/> when nothing was attempted there yet (or it is in-app).</returns>
    public DestinationHealth? GetDestinationHealth(ChannelDefinition channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return KeyOf(channel) is { } key ? _resilience.Snapshot(key) : null;
    }

    private static string? KeyOf(ChannelDefinition channel) => channel.Config switch
    {
        EmailChannelConfig e => DestinationResilience.KeyOf(e.Host, e.Port),
        ChatChannelConfig c when Uri.TryCreate(c.WebhookUrl, UriKind.Absolute, out var u) => DestinationResilience.KeyOf(u),
        WebhookChannelConfig w when Uri.TryCreate(w.Url, UriKind.Absolute, out var u) => DestinationResilience.KeyOf(u),
        _ => null,
    };

    private async ValueTask<DeliveryResult> SendEmailAsync(DeliveryRequest request, EmailChannelConfig config, CancellationToken cancellationToken)
    {
        var (subject, html, text) = request switch
        {
            { Notification: { } n } => EmailTemplate.ForAlert(n),
            { Digest: { } d } => EmailTemplate.ForDigest(d),
            _ => EmailTemplate.ForRelay(request.Relay!),
        };
        var message = EmailSender.Build(config, request.IdempotencyKey, subject, EmailTemplate.Body(html, text), _time.GetUtcNow());
        var timeout = _options.CurrentValue.Timeout;
        string key = DestinationResilience.KeyOf(config.Host, config.Port);
        return await _resilience.ExecuteAsync(
            key,
            string.Create(CultureInfo.InvariantCulture, $"smtp://{config.Host}:{config.Port}"),
            ChannelType.Email,
            token => _email.SendAsync(config, message, timeout, token),
            cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<DeliveryResult> SendHttpAsync(DeliveryRequest request, CancellationToken cancellationToken)
    {
        var channel = request.Channel;
        string url = channel.Config is WebhookChannelConfig w ? w.Url : ((ChatChannelConfig)channel.Config).WebhookUrl;
        var uri = new Uri(url);
        byte[] body = (channel.Type, request) switch
        {
            (ChannelType.Webhook, { Notification: { } n }) => WebhookBody.ForAlert(n),
            (ChannelType.Webhook, { Digest: { } d }) => WebhookBody.ForDigest(d),
            (ChannelType.Webhook, _) => request.Relay!.Json.ToArray(),
            (ChannelType.Slack, { Notification: { } n }) => SlackMessage.ForAlert(n),
            (ChannelType.Slack, { Digest: { } d }) => SlackMessage.ForDigest(d),
            (ChannelType.Slack, _) => SlackMessage.ForRelay(request.Relay!),
            (ChannelType.Discord, { Notification: { } n }) => DiscordMessage.ForAlert(n),
            (ChannelType.Discord, { Digest: { } d }) => DiscordMessage.ForDigest(d),
            (ChannelType.Discord, _) => DiscordMessage.ForRelay(request.Relay!),
            (_, { Notification: { } n }) => TeamsMessage.ForAlert(n),
            (_, { Digest: { } d }) => TeamsMessage.ForDigest(d),
            _ => TeamsMessage.ForRelay(request.Relay!),
        };

        var webhook = channel.Config as WebhookChannelConfig;
        var client = _httpClients.CreateClient(DeliveryOptions.HttpClientName);
        var timeout = _options.CurrentValue.Timeout;
        return await _resilience.ExecuteAsync(
            DestinationResilience.KeyOf(uri),
            ChannelMasking.MaskUrl(url),
            channel.Type,
            token => HttpDelivery.PostAsync(client, uri, body, headers => AddWebhookHeaders(headers, webhook, request.IdempotencyKey, body), timeout, _time, token),
            cancellationToken).ConfigureAwait(false);
    }

    private void AddWebhookHeaders(System.Net.Http.Headers.HttpRequestHeaders headers, WebhookChannelConfig? webhook, string idempotencyKey, byte[] body)
    {
        if (webhook is null)
        {
            return;
        }

        if (webhook.BearerToken is { Length: > 0 } token)
        {
            headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        // The id is the same on every attempt; the timestamp (and so the signature) is this attempt's.
        long timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        headers.TryAddWithoutValidation(StandardWebhookSigner.IdHeader, idempotencyKey);
        headers.TryAddWithoutValidation(StandardWebhookSigner.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        if (webhook.Secret is { Length: > 0 } secret)
        {
            headers.TryAddWithoutValidation(StandardWebhookSigner.SignatureHeader, StandardWebhookSigner.Sign(secret, idempotencyKey, timestamp, body));
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Delivered {IdempotencyKey} to channel {ChannelId} ({ChannelType}), attempt {Attempt}, in {DurationMs} ms")]
    private static partial void LogDelivered(ILogger logger, string channelId, string channelType, string idempotencyKey, int attempt, double durationMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Delivery of {IdempotencyKey} to channel {ChannelId} ({ChannelType}), attempt {Attempt}: {Status}: {Error}")]
    private static partial void LogFailed(ILogger logger, string channelId, string channelType, string idempotencyKey, int attempt, DeliveryStatus status, string? error);
}
