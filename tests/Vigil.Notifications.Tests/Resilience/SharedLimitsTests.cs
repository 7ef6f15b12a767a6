using System.Collections.Concurrent;
using Vigil.Core.Limits;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Resilience;

/// <summary>
/// How a delivery uses the breakers and rate limits the nodes share (their stores are tested on
/// real PostgreSQL and Redis in the server's tests): a refusal short-circuits the attempt before it
/// reaches the destination, every outcome is reported, and a store that cannot be reached lets the
/// attempt go under the node's own limits.
/// </summary>
public sealed class SharedLimitsTests : IAsyncLifetime
{
    private readonly ScriptedLimits _shared = new();
    private WebhookReceiver _receiver = null!;
    private NotificationHarness _harness = null!;
    private ChannelDefinition _channel = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _harness = NotificationHarness.Create(shared: _shared);
        _channel = NotificationHarness.Webhook(_receiver.Url());
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Theory]
    [InlineData(DestinationVerdict.BreakerOpen, "circuit breaker")]
    [InlineData(DestinationVerdict.RateLimited, "rate limit")]
    public async Task SendAsync_SharedLimitRefuses_ShortCircuitedWithItsRetryAfter_DestinationNotReached(DestinationVerdict verdict, string named)
    {
        _shared.Next = new DestinationGate(verdict, TimeSpan.FromSeconds(7));

        var result = await _harness.SendAsync(_channel);

        Assert.Equal(DeliveryStatus.ShortCircuited, result.Status);
        Assert.False(result.CountsAsAttempt);
        Assert.Equal(TimeSpan.FromSeconds(7), result.RetryAfter);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
        Assert.Empty(_receiver.Requests);
        Assert.Empty(_shared.Recorded);
    }

    [Fact]
    public async Task SendAsync_Allowed_OutcomesReportedToTheSharedBreaker()
    {
        _receiver.FailNext(1);

        Assert.Equal(DeliveryStatus.RetryableFailure, (await _harness.SendAsync(_channel)).Status);
        Assert.Equal(DeliveryStatus.Delivered, (await _harness.SendAsync(_channel)).Status);

        Assert.Equal([true, false], _shared.Recorded.Select(r => r.Failed));
        Assert.All(_shared.Recorded, r => Assert.Equal(5, r.Threshold));
        Assert.Equal(2, _shared.Entered.Count);
        Assert.Single(_shared.Entered.Distinct());
    }

    [Fact]
    public async Task SendAsync_SharedStoreUnreachable_AttemptGoesUnderTheNodesOwnLimits()
    {
        _shared.Fail = true;

        Assert.Equal(DeliveryStatus.Delivered, (await _harness.SendAsync(_channel)).Status);
        Assert.Single(_receiver.Requests);
    }

    private sealed class ScriptedLimits : IDestinationLimits
    {
        public DestinationGate Next { get; set; } = DestinationGate.Go;

        public bool Fail { get; set; }

        public ConcurrentQueue<string> Entered { get; } = new();

        public ConcurrentQueue<(bool Failed, int Threshold)> Recorded { get; } = new();

        public ValueTask<DestinationGate> EnterAsync(string destination, int permits, TimeSpan period, TimeSpan breakDuration, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new TimeoutException("the store does not answer");
            }

            Entered.Enqueue(destination);
            return ValueTask.FromResult(Next);
        }

        public ValueTask RecordAsync(string destination, bool failed, int threshold, TimeSpan breakDuration, CancellationToken cancellationToken)
        {
            if (Fail)
            {
                throw new TimeoutException("the store does not answer");
            }

            Recorded.Enqueue((failed, threshold));
            return ValueTask.CompletedTask;
        }
    }
}
