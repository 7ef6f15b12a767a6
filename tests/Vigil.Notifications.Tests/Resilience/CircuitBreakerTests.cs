using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Resilience;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Resilience;

public sealed class CircuitBreakerTests : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private NotificationHarness _harness = null!;
    private ChannelDefinition _channel = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _harness = NotificationHarness.Create();
        _channel = NotificationHarness.Webhook(_receiver.Url());
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_FiveConsecutiveFailures_OpensAndShortCircuitsWithoutReachingTheReceiver()
    {
        _receiver.FailNext(5);

        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(DeliveryStatus.RetryableFailure, (await _harness.SendAsync(_channel)).Status);
        }

        Assert.Equal(BreakerState.Closed, _harness.Sender.GetDestinationHealth(_channel)!.State);
        Assert.Equal(DeliveryStatus.RetryableFailure, (await _harness.SendAsync(_channel)).Status);
        var shortCircuited = await _harness.SendAsync(_channel);

        Assert.Equal(DeliveryStatus.ShortCircuited, shortCircuited.Status);
        Assert.False(shortCircuited.CountsAsAttempt);
        Assert.Equal(TimeSpan.FromSeconds(60), shortCircuited.RetryAfter);
        Assert.Equal(5, _receiver.Requests.Count);
        var health = _harness.Sender.GetDestinationHealth(_channel)!;
        Assert.Equal(BreakerState.Open, health.State);
        Assert.Equal("open", health.StateName);
        Assert.Equal(5, health.ConsecutiveFailures);
        Assert.Equal(NotificationHarness.StartTime, health.OpenedAt);
        Assert.Equal(NotificationHarness.StartTime.AddSeconds(60), health.RetryAt);
    }

    [Fact]
    public async Task SendAsync_After60Seconds_HalfOpensAndASuccessfulProbeCloses()
    {
        _receiver.FailNext(5);
        for (int i = 0; i < 5; i++)
        {
            await _harness.SendAsync(_channel);
        }

        _harness.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(DeliveryStatus.ShortCircuited, (await _harness.SendAsync(_channel)).Status);
        Assert.Equal(BreakerState.Open, _harness.Sender.GetDestinationHealth(_channel)!.State);

        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(BreakerState.HalfOpen, _harness.Sender.GetDestinationHealth(_channel)!.State);
        var probe = await _harness.SendAsync(_channel);

        Assert.Equal(DeliveryStatus.Delivered, probe.Status);
        Assert.Equal(6, _receiver.Requests.Count);
        var health = _harness.Sender.GetDestinationHealth(_channel)!;
        Assert.Equal(BreakerState.Closed, health.State);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Null(health.OpenedAt);
    }

    [Fact]
    public async Task SendAsync_FailedProbe_OpensAgainForAnother60Seconds()
    {
        _receiver.FailNext(6);
        for (int i = 0; i < 5; i++)
        {
            await _harness.SendAsync(_channel);
        }

        _harness.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(DeliveryStatus.RetryableFailure, (await _harness.SendAsync(_channel)).Status);
        Assert.Equal(DeliveryStatus.ShortCircuited, (await _harness.SendAsync(_channel)).Status);

        Assert.Equal(6, _receiver.Requests.Count);
        var health = _harness.Sender.GetDestinationHealth(_channel)!;
        Assert.Equal(BreakerState.Open, health.State);
        Assert.Equal(NotificationHarness.StartTime.AddSeconds(60), health.OpenedAt);
    }

    [Fact]
    public async Task SendAsync_SuccessBetweenFailures_ResetsTheCount()
    {
        // 4 failures, a success, 4 failures: never 5 in a row, so never open, whatever Polly's window holds.
        _receiver.FailNext(4);
        _receiver.Enqueue(new ScriptedAnswer(200));
        _receiver.FailNext(4);

        var results = new List<DeliveryResult>();
        for (int i = 0; i < 9; i++)
        {
            results.Add(await _harness.SendAsync(_channel));
        }

        Assert.DoesNotContain(results, r => r.Status == DeliveryStatus.ShortCircuited);
        Assert.Equal(BreakerState.Closed, _harness.Sender.GetDestinationHealth(_channel)!.State);
        Assert.Equal(4, _harness.Sender.GetDestinationHealth(_channel)!.ConsecutiveFailures);
    }

    [Fact]
    public async Task SendAsync_PermanentFailures_DoNotOpenTheBreaker()
    {
        _receiver.FailNext(6, status: 400);

        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(DeliveryStatus.PermanentFailure, (await _harness.SendAsync(_channel)).Status);
        }

        Assert.Equal(BreakerState.Closed, _harness.Sender.GetDestinationHealth(_channel)!.State);
    }

    [Fact]
    public async Task SendAsync_OpenBreaker_IsPerDestination()
    {
        _receiver.FailNext(5);
        for (int i = 0; i < 5; i++)
        {
            await _harness.SendAsync(_channel);
        }

        var other = NotificationHarness.Webhook(_receiver.Url("/other"), id: "ch-other");
        var result = await _harness.SendAsync(other);

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal(2, _harness.Sender.GetDestinationHealth().Count);
    }

    [Fact]
    public async Task GetDestinationHealth_MasksTheDestination()
    {
        var slack = NotificationHarness.Chat(ChannelType.Slack, _receiver.Url("/services/T0/B0/token-value"));
        await _harness.SendAsync(slack);

        var health = _harness.Sender.GetDestinationHealth(slack)!;

        Assert.DoesNotContain("token-value", health.Destination, StringComparison.Ordinal);
        Assert.StartsWith($"{_receiver.BaseAddress.GetLeftPart(UriPartial.Authority)}/********", health.Destination, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ChannelType.Slack)]
    [InlineData(ChannelType.Discord)]
    [InlineData(ChannelType.Teams)]
    public async Task SendAsync_ChatWebhookByDefault_OneAttemptAtATimeInItsPeriod(ChannelType type)
    {
        await using var harness = NotificationHarness.Create(o => o.RateLimitQueue = 0);
        var chat = NotificationHarness.Chat(type, _receiver.Url("/chat"));

        var first = await harness.SendAsync(chat, key: "k-1");
        var second = await harness.SendAsync(chat, key: "k-2");

        Assert.Equal(DeliveryStatus.Delivered, first.Status);
        Assert.Equal(DeliveryStatus.ShortCircuited, second.Status);
        Assert.Contains("rate limit", second.Error, StringComparison.Ordinal);
        Assert.Single(_receiver.Requests);
    }

    [Fact]
    public async Task SendAsync_WebhookByDefault_TakesABurstAChatWebhookWouldNot()
    {
        await using var harness = NotificationHarness.Create(o => o.RateLimitQueue = 0);

        var results = new List<DeliveryResult>();
        for (var i = 0; i < 10; i++)
        {
            results.Add(await harness.SendAsync(_channel, key: $"k-{i}"));
        }

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Equal(10, _receiver.Requests.Count);
    }

    [Fact]
    public async Task SendAsync_RateLimitFullWithNoQueue_ShortCircuitsWithoutReachingTheReceiver()
    {
        await using var harness = NotificationHarness.Create(o =>
        {
            o.RateLimits.Webhook = new DestinationRateLimit { Permits = 1, Period = TimeSpan.FromHours(1) };
            o.RateLimitQueue = 0;
        });

        var first = await harness.SendAsync(_channel);
        var second = await harness.SendAsync(_channel);

        Assert.Equal(DeliveryStatus.Delivered, first.Status);
        Assert.Equal(DeliveryStatus.ShortCircuited, second.Status);
        Assert.Contains("rate limit", second.Error, StringComparison.Ordinal);
        Assert.Single(_receiver.Requests);
    }
}
