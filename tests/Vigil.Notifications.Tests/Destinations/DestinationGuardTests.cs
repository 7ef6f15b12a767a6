using System.Net;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Destinations;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Destinations;

public sealed class DestinationGuardTests
{
    [Theory]
    [InlineData("10.1.2.3", "Private")]
    [InlineData("172.16.0.1", "Private")]
    [InlineData("172.31.255.255", "Private")]
    [InlineData("192.168.1.10", "Private")]
    [InlineData("127.0.0.1", "Loopback")]
    [InlineData("127.10.0.1", "Loopback")]
    [InlineData("169.254.169.254", "LinkLocal")]
    [InlineData("100.64.0.1", "Cgnat")]
    [InlineData("100.127.255.254", "Cgnat")]
    [InlineData("0.0.0.0", "Unspecified")]
    [InlineData("224.0.0.251", "Multicast")]
    [InlineData("255.255.255.255", "Reserved")]
    [InlineData("::", "Unspecified")]
    [InlineData("::1", "Loopback")]
    [InlineData("fe80::1", "LinkLocal")]
    [InlineData("fc00::1", "UniqueLocal")]
    [InlineData("fd12:3456::1", "UniqueLocal")]
    [InlineData("ff02::1", "Multicast")]
    [InlineData("::ffff:127.0.0.1", "Loopback")]
    [InlineData("::ffff:10.0.0.1", "Private")]
    [InlineData("::ffff:169.254.169.254", "LinkLocal")]
    [InlineData("64:ff9b::a00:1", "Private")]
    [InlineData("2002:c0a8:101::1", "Private")]
    [InlineData("93.184.216.34", "Public")]
    [InlineData("172.32.0.1", "Public")]
    [InlineData("100.128.0.1", "Public")]
    [InlineData("2606:4700::1111", "Public")]
    [InlineData("::ffff:93.184.216.34", "Public")]
    public void Classify_Address_ReturnsItsNetwork(string address, string expected)
    {
        Assert.Equal(Enum.Parse<AddressClass>(expected), AddressClassifier.Classify(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("http://10.0.0.5/hook")]
    [InlineData("http://192.168.0.1/hook")]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://100.64.1.1/hook")]
    [InlineData("http://0.0.0.0/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fe80::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[ff02::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://localhost:8080/hook")]
    public async Task CheckAsync_PrivateDestination_IsRefusedNamingTheField(string url)
    {
        await using var harness = NotificationHarness.Create(allowLoopback: false);

        var problems = await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri(url)));

        var problem = Assert.Single(problems);
        Assert.Equal("config.url", problem.Field);
        Assert.Contains("AllowPrivateNetworks", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_PublicAddress_IsAccepted()
    {
        await using var harness = NotificationHarness.Create(allowLoopback: false);

        Assert.Empty(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("https://93.184.216.34/hook"))));
        Assert.Empty(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("https://[2606:4700::1111]/hook"))));
    }

    [Fact]
    public async Task CheckAsync_HostResolvingToAPrivateAddress_IsRefused()
    {
        await using var harness = NotificationHarness.Create(allowLoopback: false);
        harness.Guard.Resolve = (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Parse("10.0.0.7") });

        var problems = await harness.Guard.CheckAsync(NotificationHarness.Chat(ChannelType.Slack, new Uri("https://hooks.example.com/services/x")));

        var problem = Assert.Single(problems);
        Assert.Equal("config.webhookUrl", problem.Field);
        Assert.Contains("resolves to 10.0.0.7, a private address", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAsync_HostThatDoesNotResolve_IsAcceptedAndRefusedNowhereElse()
    {
        await using var harness = NotificationHarness.Create(allowLoopback: false);
        harness.Guard.Resolve = (_, _) => Task.FromException<IPAddress[]>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));

        Assert.Empty(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("https://not-yet.example.com/hook"))));
        var result = await harness.SendAsync(NotificationHarness.Webhook(new Uri("https://not-yet.example.com/hook")));
        Assert.Equal(DeliveryStatus.RetryableFailure, result.Status);
    }

    [Fact]
    public async Task CheckAsync_SmtpHostOnLoopback_IsRefused()
    {
        await using var harness = NotificationHarness.Create(allowLoopback: false);
        var email = new ChannelDefinition("ch-mail", "mail", ChannelType.Email, new EmailChannelConfig("127.0.0.1", 25, SmtpTls.None, null, null, "vigil@example.com", ["ops@example.com"]));

        Assert.Equal("config.host", Assert.Single(await harness.Guard.CheckAsync(email)).Field);
    }

    [Fact]
    public async Task CheckAsync_AllowPrivateNetworks_AcceptsEverything()
    {
        await using var harness = NotificationHarness.Create(o => o.AllowPrivateNetworks = true, allowLoopback: false);

        Assert.Empty(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("http://10.0.0.5/hook"))));
        Assert.Empty(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("http://localhost/hook"))));
    }

    [Fact]
    public async Task CheckAsync_AllowedHost_IsAcceptedAndOthersStillRefused()
    {
        await using var harness = NotificationHarness.Create(o => o.AllowedHosts.Add("Internal.Example"), allowLoopback: false);
        harness.Guard.Resolve = (_, _) => Task.FromResult(new[] { IPAddress.Parse("10.0.0.9") });

        Assert.Empty(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("http://internal.example/hook"))));
        Assert.Single(await harness.Guard.CheckAsync(NotificationHarness.Webhook(new Uri("http://other.example/hook"))));
    }

    [Fact]
    public async Task SendAsync_LocalhostWhenPrivateNetworksNotAllowed_IsRefusedAtSendTimeAndNothingArrives()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = NotificationHarness.Create(allowLoopback: false);
        var channel = NotificationHarness.Webhook(new Uri($"http://localhost:{receiver.BaseAddress.Port}/hook"));

        var result = await harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains("loopback", result.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task SendAsync_LoopbackLiteralWhenNotAllowed_IsRefusedAndNothingArrives(string host)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = NotificationHarness.Create(allowLoopback: false);

        var result = await harness.SendAsync(NotificationHarness.Webhook(new Uri($"http://{host}:{receiver.BaseAddress.Port}/hook")));

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task SendAsync_HostRebindingToLoopback_IsRefusedOnTheResolvedAddress()
    {
        // Saved while it resolved to a public address; at send time it resolves to the server itself.
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = NotificationHarness.Create(allowLoopback: false);
        var channel = NotificationHarness.Webhook(new Uri($"http://rebind.example:{receiver.BaseAddress.Port}/hook"));
        harness.Guard.Resolve = (_, _) => Task.FromResult(new[] { IPAddress.Parse("93.184.216.34") });
        Assert.Empty(await harness.Guard.CheckAsync(channel));
        harness.Guard.Resolve = (_, _) => Task.FromResult(new[] { IPAddress.Loopback });

        var result = await harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.PermanentFailure, result.Status);
        Assert.Contains("resolves to 127.0.0.1", result.Error, StringComparison.Ordinal);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task SendAsync_AllowedHost_ConnectsToTheAddressItWasResolvedTo()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var harness = NotificationHarness.Create(o => o.AllowedHosts.Add("receiver.internal"), allowLoopback: false);
        harness.Guard.Resolve = (_, _) => Task.FromResult(new[] { IPAddress.Loopback });
        var channel = NotificationHarness.Webhook(new Uri($"http://receiver.internal:{receiver.BaseAddress.Port}/hook"));

        var result = await harness.SendAsync(channel);

        Assert.Equal(DeliveryStatus.Delivered, result.Status);
        Assert.Equal("receiver.internal:" + receiver.BaseAddress.Port, Assert.Single(receiver.Requests).Header("host"));
    }
}
