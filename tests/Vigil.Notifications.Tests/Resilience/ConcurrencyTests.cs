using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Resilience;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task SendAsync_SlowReceiver_KeepsAtMostMaxConcurrencyInFlightPerChannel()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = NotificationHarness.Create();
        var channel = NotificationHarness.Webhook(receiver.Url()) with { MaxConcurrency = 2 };
        var holds = Enumerable.Range(0, 6).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
        foreach (var hold in holds)
        {
            receiver.Enqueue(new ScriptedAnswer(200, HoldUntil: hold));
        }

        var sends = Enumerable.Range(0, 6).Select(i => harness.SendAsync(channel, key: $"k-{i}")).ToList();
        for (int i = 0; i < holds.Count; i++)
        {
            // Two are held at the receiver before one is let go: a third would already be there without the bound.
            await receiver.WaitForArrivalsAsync(Math.Min(i + 2, holds.Count));
            holds[i].SetResult();
        }

        var results = await Task.WhenAll(sends);

        Assert.All(results, r => Assert.Equal(DeliveryStatus.Delivered, r.Status));
        Assert.Equal(2, receiver.MaxInFlight);
    }

    [Fact]
    public async Task SendAsync_OtherChannelToTheSameReceiver_IsNotHeldByTheFirstChannelsBound()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = NotificationHarness.Create();
        var slow = NotificationHarness.Webhook(receiver.Url("/slow"), id: "ch-slow") with { MaxConcurrency = 1 };
        var other = NotificationHarness.Webhook(receiver.Url("/other"), id: "ch-other") with { MaxConcurrency = 1 };
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        receiver.Enqueue(new ScriptedAnswer(200, HoldUntil: hold));

        var held = harness.SendAsync(slow);
        await receiver.WaitForArrivalsAsync(1);
        var result = await harness.SendAsync(other);
        hold.SetResult();

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal(DeliveryStatus.Delivered, (await held).Status);
    }
}
