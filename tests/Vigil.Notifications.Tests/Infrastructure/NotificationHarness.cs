using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Vigil.Core.Alerts;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Destinations;

namespace Vigil.Notifications.Tests.Infrastructure;

/// <summary>
/// Delivery as the server gets it from <c>AddVigilNotifications</c>, on a fake clock. By default
/// 127.0.0.1 is allow-listed so the loopback receivers can be reached; the private-network rule
/// still applies to every other host.
/// </summary>
internal sealed class NotificationHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset StartTime = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _provider;

    private NotificationHarness(ServiceProvider provider, FakeTimeProvider time)
    {
        _provider = provider;
        Time = time;
        Sender = provider.GetRequiredService<NotificationSender>();
        Guard = provider.GetRequiredService<DestinationGuard>();
    }

    public FakeTimeProvider Time { get; }

    public NotificationSender Sender { get; }

    public DestinationGuard Guard { get; }

    public static NotificationHarness Create(Action<DeliveryOptions>? configure = null, bool allowLoopback = true, Vigil.Core.Limits.IDestinationLimits? shared = null)
    {
        var time = new FakeTimeProvider(StartTime);
        var services = new ServiceCollection();
        if (shared is not null)
        {
            services.AddSingleton(shared);
        }

        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton<TimeProvider>(time);
        services.AddVigilNotifications(options =>
        {
            if (allowLoopback)
            {
                options.AllowedHosts.Add("127.0.0.1");
            }

            // Longer than any test advances the clock unless it means to time a request out.
            options.Timeout = TimeSpan.FromSeconds(15);
            configure?.Invoke(options);
        });
        return new NotificationHarness(services.BuildServiceProvider(validateScopes: true), time);
    }

    public static AlertNotification Alert(Severity severity = Severity.Critical, IntentKind status = IntentKind.Firing, string name = "High response time") =>
        new("alert-1", name, status, severity, "http_request_duration_ms", 2450.5, 2000, StartTime.AddMinutes(-3))
        {
            Labels = new Dictionary<string, string> { ["route"] = "/api/orders", ["team"] = "api" },
            RunbookUrl = "https://runbooks.example.com/latency",
            DashboardUrl = "https://vigil.example.com/alerts/alert-1",
            AcknowledgeUrl = "https://vigil.example.com/api/v1/alerts/alert-1/acknowledge?sig=abc",
            Description = "p95 of http_request_duration_ms is 2450.5 ms (threshold 2000 ms)",
            Version = "0.1.0",
        };

    public static ChannelDefinition Webhook(Uri url, string? secret = null, string? bearerToken = null, string id = "ch-webhook") =>
        new(id, "ops-webhook", ChannelType.Webhook, new WebhookChannelConfig(url.ToString(), secret, bearerToken));

    public static ChannelDefinition Chat(ChannelType type, Uri url, string id = "ch-chat") =>
        new(id, $"ops-{type.ToWire()}", type, new ChatChannelConfig(url.ToString()));

    public Task<DeliveryResult> SendAsync(ChannelDefinition channel, AlertNotification? notification = null, string key = "alert-1:firing:ch", int attempt = 1) =>
        Sender.SendAsync(DeliveryRequest.ForAlert(channel, key, notification ?? Alert(), attempt));

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();
}
