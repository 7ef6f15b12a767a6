using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Storage;
using Vigil.Storage.Delivery;
using static Vigil.Server.Tests.Delivery.Relay.RelayCalls;

namespace Vigil.Server.Tests.Delivery.Relay;

/// <summary>
/// Issue 9, Medium 3: <c>POST /api/webhook/{slug}</c> checks the secret before a call counts
/// against the endpoint, limits per endpoint and per client address, answers every 429 with
/// <c>Retry-After</c> and problem+json, and keeps the stored bodies within their budget.
/// </summary>
public abstract class RelayWebhookEndpointsTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string Attacker = "203.0.113.7";
    private const string Sender = "198.51.100.2";
    private const string Secret = "relay-s3cret";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] relay)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Vigil:Alerts:EvaluationEnabled"] = "false",
            ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the receiver listens on loopback
        };
        foreach (var (key, value) in relay)
        {
            settings[$"Vigil:Relay:{key}"] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Relay_WrongSecretFlood_LimitedPerAddress_RightSenderStillDelivered()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("RequestsPerSecond", "2"), ("FailedAttemptsPerMinute", "5")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);

        var flood = new List<RelayAnswer>();
        for (var i = 0; i < 20; i++)
        {
            flood.Add(await PostAsync(app, "orders", Attacker, i % 2 == 0 ? "guess-" + i : null));
        }

        var sent = await PostAsync(app, "orders", Sender, Secret, """{"n":1}""");
        var again = await PostAsync(app, "orders", Sender, Secret, """{"n":2}""");

        Assert.All(flood.Take(5), a => Assert.Equal(StatusCodes.Status401Unauthorized, a.Status));
        Assert.All(flood.Skip(5), a => AssertRetryLater(a));
        Assert.Contains("FailedAttemptsPerMinute", flood[^1].Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((200, 200), (sent.Status, again.Status));
        Assert.Equal(["""{"n":1}""", """{"n":2}"""], (await receiver.WaitUntilAsync(r => r.Count >= 2, Patience)).Select(r => r.Text).Order(StringComparer.Ordinal));

        // Locked out, the attacker is refused even with the right secret: its guesses are not checked.
        AssertRetryLater(await PostAsync(app, "orders", Attacker, Secret));
    }

    [Fact]
    public async Task Relay_RefusedCallsFlood_LoggedOncePerAddressWithWhy_ThenCountedPerMinute()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("FailedAttemptsPerMinute", "5"), ("MaxBodyBytes", "100"))).CaptureLogs();
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);
        const string Other = "192.0.2.44";

        // 5 wrong secrets, then 35 calls locked out; another address sends a body too large, twice.
        for (var i = 0; i < 40; i++)
        {
            await PostAsync(app, "orders", Attacker, "guess-" + i);
        }

        var big = $$"""{"pad":"{{new string('x', 200)}}"}""";
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, (await PostAsync(app, "orders", Other, Secret, big)).Status);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, (await PostAsync(app, "orders", Other, Secret, big)).Status);
        var duringFlood = Refusals(app);
        app.Time.Advance(TimeSpan.FromSeconds(61));
        await PostAsync(app, "no-such-slug", Other, null);
        var afterMinute = Refusals(app).Skip(duringFlood.Count).ToList();

        Assert.Equal(2, duringFlood.Count);
        Assert.Contains(duringFlood, e => e.EventId.Id == 5121 && e.Message.Contains(Attacker, StringComparison.Ordinal) && e.Message.Contains("WrongSecret", StringComparison.Ordinal));
        Assert.Contains(duringFlood, e => e.EventId.Id == 5121 && e.Message.Contains(Other, StringComparison.Ordinal) && e.Message.Contains("TooLarge", StringComparison.Ordinal));
        Assert.Contains(afterMinute, e => e.EventId.Id == 5122
            && e.Message.StartsWith($"39 more relay calls refused from {Attacker}", StringComparison.Ordinal)
            && e.Message.Contains("4 wrong secret", StringComparison.Ordinal) && e.Message.Contains("35 locked out", StringComparison.Ordinal));
        Assert.Contains(afterMinute, e => e.EventId.Id == 5122 && e.Message.StartsWith($"1 more relay calls refused from {Other}", StringComparison.Ordinal) && e.Message.Contains("1 too large", StringComparison.Ordinal));
        // A new minute: the address's first refusal is logged again.
        var probe = Assert.Single(afterMinute, e => e.EventId.Id == 5121);
        Assert.Contains("no-such-slug", probe.Message, StringComparison.Ordinal);
        Assert.Contains("UnknownSlug", probe.Message, StringComparison.Ordinal);
    }

    private static List<(Microsoft.Extensions.Logging.EventId EventId, string Message)> Refusals(VigilApp app) =>
        [.. app.Logs!.Lines.Where(l => l.EventId.Id is 5121 or 5122)];

    [Fact]
    public async Task Relay_UnknownSlugProbes_CountAsFailedAttempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("FailedAttemptsPerMinute", "3")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);

        var probes = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            probes.Add((await PostAsync(app, $"guess-{i}", Attacker, null)).Status);
        }

        Assert.All(probes, s => Assert.Equal(StatusCodes.Status404NotFound, s));
        AssertRetryLater(await PostAsync(app, "orders", Attacker, Secret));
        Assert.Equal(200, (await PostAsync(app, "orders", Sender, Secret)).Status);
    }

    [Fact]
    public async Task Relay_PerAddressLimit_429WithRetryAfter_OtherAddressesUnaffected()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("AddressRequestsPerMinute", "2"), ("RequestsPerSecond", "1000")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);

        var first = await PostAsync(app, "orders", Attacker, Secret);
        var second = await PostAsync(app, "orders", Attacker, Secret);
        var third = await PostAsync(app, "orders", Attacker, Secret);
        var other = await PostAsync(app, "orders", Sender, Secret);

        Assert.Equal((200, 200, 200), (first.Status, second.Status, other.Status));
        AssertRetryLater(third);
        Assert.Contains("AddressRequestsPerMinute", third.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await receiver.WaitUntilAsync(r => r.Count >= 3, Patience);
        Assert.Equal(3, (await (await app.Admin().GetAsync("/api/v1/relay/requests")).ReadAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Relay_PerEndpointLimit_429WithRetryAfter_OtherEndpointsAndTheNextSecondUnaffected()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("RequestsPerSecond", "2"), ("AddressRequestsPerMinute", "1000")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """, "billing");

        // Three senders, each well under its address's limit: the endpoint's own limit turns the third away.
        var calls = new[] { await PostAsync(app, "orders", Sender, Secret), await PostAsync(app, "orders", "198.51.100.3", Secret), await PostAsync(app, "orders", "198.51.100.4", Secret) };
        var otherEndpoint = await PostAsync(app, "billing", "198.51.100.4", Secret);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        var nextSecond = await PostAsync(app, "orders", "198.51.100.4", Secret);

        Assert.Equal((200, 200), (calls[0].Status, calls[1].Status));
        AssertRetryLater(calls[2], atMostSeconds: 1);
        Assert.Contains("RequestsPerSecond", calls[2].Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((200, 200), (otherEndpoint.Status, nextSecond.Status));
        await receiver.WaitUntilAsync(r => r.Count >= 4, Patience);
    }

    [Fact]
    public async Task Relay_LimitsRefillOnTheClock_AddressAndFailedAttemptsOpenAgain()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("AddressRequestsPerMinute", "1"), ("FailedAttemptsPerMinute", "2"), ("RequestsPerSecond", "1000")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);

        var sent = await PostAsync(app, "orders", Sender, Secret);
        var tooSoon = await PostAsync(app, "orders", Sender, Secret);
        var guesses = new[] { await PostAsync(app, "orders", Attacker, "guess-1"), await PostAsync(app, "orders", Attacker, "guess-2") };
        var lockedOut = await PostAsync(app, "orders", Attacker, Secret);
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var halfRefilled = await PostAsync(app, "orders", Attacker, "guess-3");
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var nextMinute = await PostAsync(app, "orders", Sender, Secret);

        Assert.Equal(200, sent.Status);
        AssertRetryLater(tooSoon);
        Assert.Equal("60", tooSoon.RetryAfter);
        Assert.All(guesses, g => Assert.Equal(StatusCodes.Status401Unauthorized, g.Status));
        AssertRetryLater(lockedOut);
        Assert.Equal("30", lockedOut.RetryAfter);
        Assert.Equal(StatusCodes.Status401Unauthorized, halfRefilled.Status);
        Assert.Equal(200, nextMinute.Status);
    }

    [Fact]
    public async Task Relay_IPv6Addresses_LimitedByTheirSlash64()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("AddressRequestsPerMinute", "1"), ("RequestsPerSecond", "1000")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);

        var first = await PostAsync(app, "orders", "2001:db8:1:2::1", Secret);
        var sameNetwork = await PostAsync(app, "orders", "2001:db8:1:2:ffff::9", Secret);
        var otherNetwork = await PostAsync(app, "orders", "2001:db8:1:3::1", Secret);

        Assert.Equal((200, 200), (first.Status, otherNetwork.Status));
        AssertRetryLater(sameNetwork);
    }

    [Fact]
    public async Task Relay_StoredBodyBudget_OldestDeliveredBodiesDropped_EveryCallDeliveredAndLogged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("MaxBodyBytes", "100"), ("StoredBodyBudgetBytes", "250")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);
        var bodies = Enumerable.Range(1, 4).Select(i => "{\"n\":" + i + ",\"p\":\"" + new string('x', 100 - 14) + "\"}").ToArray();
        Assert.All(bodies, b => Assert.Equal(100, b.Length));

        var answers = new List<RelayAnswer>();
        foreach (var body in bodies)
        {
            answers.Add(await PostAsync(app, "orders", Sender, Secret, body));
            app.Time.Advance(TimeSpan.FromSeconds(1)); // one after the other, as received
        }

        Assert.All(answers, a => Assert.Equal((200, true), (a.Status, a.Body.GetProperty("success").GetBoolean())));
        Assert.Equal(bodies, (await receiver.WaitUntilAsync(r => r.Count >= 4, Patience)).Select(r => r.Text));
        var relays = app.Services.GetRequiredService<RelayRepository>();
        Assert.Equal(200, await relays.StoredBodyBytesAsync());
        var kept = new List<string?>();
        foreach (var answer in answers)
        {
            kept.Add(await relays.BodyAsync(answer.Body.GetProperty("requestId").GetString()!));
        }

        Assert.Equal([null, null, bodies[2], bodies[3]], kept);
        var log = await (await app.Admin().GetAsync("/api/v1/relay/requests")).ReadAsync();
        Assert.Equal(4, log.GetArrayLength());
        Assert.All(log.EnumerateArray(), r => Assert.Equal("delivered", r.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task Relay_PendingBodiesFillTheBudget_503WithRetryAfter_NothingStored()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(10); // the first delivery stays pending (queued for retry), so its body must be kept
        await using var app = StartApp(settings: Settings(("MaxBodyBytes", "100"), ("StoredBodyBudgetBytes", "150")));
        await CreateEndpointAsync(app, receiver, $$""","secret":"{{Secret}}" """);
        var body = "{\"p\":\"" + new string('x', 100 - 8) + "\"}";
        Assert.Equal(100, body.Length);

        var pending = await PostAsync(app, "orders", Sender, Secret, body);
        var refused = await PostAsync(app, "orders", Sender, Secret, body);

        Assert.Equal((200, false), (pending.Status, pending.Body.GetProperty("success").GetBoolean()));
        AssertRetryLater(refused, StatusCodes.Status503ServiceUnavailable);
        Assert.Equal("60", refused.RetryAfter);
        Assert.Contains("StoredBodyBudgetBytes", refused.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var relays = app.Services.GetRequiredService<RelayRepository>();
        Assert.Equal(100, await relays.StoredBodyBytesAsync());
        Assert.Equal(body, await relays.BodyAsync(pending.Body.GetProperty("requestId").GetString()!));
        Assert.Equal(1, (await (await app.Admin().GetAsync("/api/v1/relay/requests")).ReadAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Relay_StoredWithoutSecretOrFlag_NobodyAdmitted()
    {
        // A row the API refuses to create (no secret, allowUnauthenticated false): being secret-less
        // is not enough to let callers in, only the explicit flag is.
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings());
        var channelId = await CreateWebhookChannelAsync(app.Admin(), receiver.Url());
        var nowMs = app.Time.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.True(await app.Services.GetRequiredService<RelayRepository>().InsertEndpointAsync(
            new StoredRelayEndpoint(Guid.NewGuid().ToString("N"), "closed", "Closed", [channelId], null, nowMs, nowMs, AllowUnauthenticated: false)));

        var anonymous = await PostAsync(app, "closed", Sender, null);
        var withSomeSecret = await PostAsync(app, "closed", Sender, "anything");

        Assert.Equal((401, 401), (anonymous.Status, withSomeSecret.Status));
        Assert.Equal(0, (await (await app.Admin().GetAsync("/api/v1/relay/requests")).ReadAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Relay_SecretLessEndpoint_AnyoneMayCall_BodiesCappedLower()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings(("UnauthenticatedMaxBodyBytes", "64")));
        await CreateEndpointAsync(app, receiver, ""","allowUnauthenticated":true""");

        var small = await PostAsync(app, "orders", Sender, null, """{"ok":true}""");
        var large = await PostAsync(app, "orders", Sender, null, "{\"p\":\"" + new string('x', 100) + "\"}");

        Assert.Equal(200, small.Status);
        Assert.Equal(StatusCodes.Status413PayloadTooLarge, large.Status);
        Assert.Contains("UnauthenticatedMaxBodyBytes", large.Body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("""{"ok":true}""", Assert.Single(await receiver.WaitUntilAsync(r => r.Count >= 1, Patience)).Text);
    }

    private static async Task CreateEndpointAsync(VigilApp app, WebhookReceiver receiver, string extra, string slug = "orders")
    {
        var admin = app.Admin();
        var channelId = await CreateWebhookChannelAsync(admin, receiver.Url(), "hook-" + slug);
        var created = await admin.PostJsonAsync("/api/v1/relay/endpoints", $$"""{"slug":"{{slug}}","name":"{{slug}}","integrations":["{{channelId}}"]{{extra}}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }
}

public sealed class SqliteRelayWebhookEndpointsTests() : RelayWebhookEndpointsTests(StorageProvider.Sqlite);

public sealed class PostgresRelayWebhookEndpointsTests() : RelayWebhookEndpointsTests(StorageProvider.Postgres);
