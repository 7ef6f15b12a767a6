using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Jobs.Processing;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Alerts;
using Vigil.Storage;

namespace Vigil.Server.Tests.Delivery;

/// <summary>
/// The delivery pipeline end to end: channels created over HTTP, a rule that names them, a
/// violation, and real receivers — webhook and Slack receivers on loopback, the real SMTP
/// server of ./test.sh — getting the alert through the durable job queue.
/// </summary>
public abstract class DeliveryTests(StorageProvider provider) : ServerTestBase(provider)
{
    private const string Secret = "whsec_dGVzdC1zaWduaW5nLXNlY3JldC0xMjM0NTY3ODkw";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Alerts:EvaluationEnabled"] = "false",
        ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the receivers listen on loopback
        ["Vigil:Jobs:PollInterval"] = "00:00:01",
        ["Vigil:Http:PublicUrl"] = "https://vigil.example.com",
    };

    [Fact]
    public async Task Violation_SlackEmailAndSignedWebhook_AllReceiveTheAlert()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        webhook.Secret = Secret;
        await using var slack = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var (smtpHost, smtpPort) = SmtpMailbox.Server;
        var webhookId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url("/vigil")}}}","secret":"{{{Secret}}}","bearerToken":"tok-123"}}""");
        var slackId = await CreateChannelAsync(client, $$$"""{"name":"slack","type":"slack","config":{"webhookUrl":"{{{slack.Url("/services/T0/B0/xyz")}}}"}}""");
        var emailId = await CreateChannelAsync(client, $$$"""{"name":"mail","type":"email","config":{"host":"{{{smtpHost}}}","port":{{{smtpPort}}},"tls":"none","from":"vigil@example.com","to":["oncall@example.com"]}}""");
        var ruleId = await CreateRuleAsync(client, [webhookId, slackId, emailId]);

        await ViolateAsync(client, app, "/search");
        await ReceivedAsync(webhook, 1);
        await ReceivedAsync(slack, 1);

        var intent = Assert.Single(await FeedAsync(client), n => n.GetProperty("kind").GetString() == "firing");
        var intentKey = intent.GetProperty("idempotencyKey").GetString();
        var received = Assert.Single(webhook.Requests);
        Assert.True(received.SignatureValid);
        Assert.Equal($"{intentKey}:{webhookId}", received.Header("webhook-id"));
        Assert.Equal("Bearer tok-123", received.Header("authorization"));
        var body = received.Json;
        Assert.Equal(("Slow route", "firing", "critical"), (body.GetProperty("alertName").GetString(), body.GetProperty("status").GetString(), body.GetProperty("severity").GetString()));
        Assert.Equal(2500, body.GetProperty("metricValue").GetDouble(), 6);
        Assert.Equal(1000, body.GetProperty("thresholdValue").GetDouble());
        Assert.Equal("/search", body.GetProperty("labels").GetProperty("route").GetString());
        Assert.Equal("api", body.GetProperty("labels").GetProperty("team").GetString());
        Assert.Contains("https://vigil.example.com/ack/", Assert.Single(slack.Requests).Text, StringComparison.Ordinal);
        var mail = await EventuallyAsync(app, () => SmtpMailbox.Find($"{intentKey}:{emailId}"), found => found.Count > 0);
        Assert.Equal("[CRITICAL] Vigil alert: Slow route", Assert.Single(mail).Subject);
        var succeeded = await EventuallyAsync(app, () => DeliveriesAsync(client, "succeeded"), d => d.Length == 3);
        Assert.Equal(new[] { emailId, slackId, webhookId }.Order(StringComparer.Ordinal), succeeded.Select(d => d.GetProperty("channelId").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(1, (await (await client.GetAsync($"/api/v1/alerts?ruleId={ruleId}")).ReadAsync())[0].GetProperty("notifications").GetInt32());
    }

    [Fact]
    public async Task Violation_RuleLeavingItsWorstMinuteOut_NotificationSaysSo()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var slack = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var webhookId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url("/vigil")}}}"}}""");
        var slackId = await CreateChannelAsync(client, $$$"""{"name":"slack","type":"slack","config":{"webhookUrl":"{{{slack.Url("/services/T0/B0/xyz")}}}"}}""");
        var response = await client.PostJsonAsync("/api/v1/alerts/rules", $$"""
            {"name":"Slow route","metric":"checkout_latency_ms","groupBy":["route"],"aggregation":"avg","windowMinutes":5,"trimMinutes":1,
             "minDataPoints":5,"threshold":1000,"severity":"critical","channels":["{{webhookId}}","{{slackId}}"]}
            """);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());

        // Slow in two clock minutes: the worse one is left out, the other still past the threshold.
        var now = app.Time.GetUtcNow();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("checkout_latency_ms", Enumerable.Repeat(2600.0, 10), """{"route":"/search"}""", now.AddSeconds(-65)))).EnsureSuccessStatusCode();
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("checkout_latency_ms", Enumerable.Repeat(2500.0, 10), """{"route":"/search"}""", now.AddSeconds(-5)))).EnsureSuccessStatusCode();
        await app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);
        await ReceivedAsync(webhook, 1);
        await ReceivedAsync(slack, 1);

        var body = Assert.Single(webhook.Requests).Json;
        Assert.Equal(2500, body.GetProperty("metricValue").GetDouble(), 6);
        Assert.Equal(1, body.GetProperty("context").GetProperty("trimMinutes").GetInt32());
        var text = Assert.Single(slack.Requests).Json.GetProperty("text").GetString();
        Assert.Contains("avg of checkout_latency_ms {route=\"/search\"} over 5 min (worst minute left out) is 2500 (greater than 1000)", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Violation_PersonalDataInLabels_NeverReachesWebhookSlackOrEmail()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var slack = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings.Concat([
            new("Vigil:Privacy:DroppedLabels:0", "user_id"),
            new("Vigil:Privacy:Patterns:0", @"\bcust-\d+\b"),
        ]).ToDictionary());
        var client = app.Admin();
        var webhookId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}"}}""");
        var slackId = await CreateChannelAsync(client, $$$"""{"name":"slack","type":"slack","config":{"webhookUrl":"{{{slack.Url("/services/T0/B0/xyz")}}}"}}""");
        var (smtpHost, smtpPort) = SmtpMailbox.Server;
        var emailId = await CreateChannelAsync(client, $$$"""{"name":"mail","type":"email","config":{"host":"{{{smtpHost}}}","port":{{{smtpPort}}},"tls":"none","from":"vigil@example.com","to":["oncall@example.com"]}}""");
        var rule = await client.PostJsonAsync("/api/v1/alerts/rules", $$"""
            {"name":"Slow for owner@example.com","metric":"checkout_latency_ms","groupBy":["route","email","user_id","session"],"aggregation":"avg","windowMinutes":5,
             "minDataPoints":5,"threshold":1000,"severity":"critical","labels":{"owner":"cust-4242"},"channels":["{{webhookId}}","{{slackId}}","{{emailId}}"]}
            """);
        Assert.True(rule.StatusCode == HttpStatusCode.Created, await rule.Content.ReadAsStringAsync());
        const string labels = """{"route":"/users?token=abc123","email":"jane.doe@example.com","user_id":"u-9876","session":"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.c2ln"}""";

        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("checkout_latency_ms", Enumerable.Repeat(2500.0, 10), labels, app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();
        await app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);
        await ReceivedAsync(webhook, 1);
        await ReceivedAsync(slack, 1);

        var received = Assert.Single(webhook.Requests);
        string[] personal = ["owner@example.com", "jane.doe@example.com", "token=abc123", "abc123", "u-9876", "user_id", "eyJhbGciOiJIUzI1NiJ9", "cust-4242"];
        Assert.All(personal, p => Assert.DoesNotContain(p, received.Text, StringComparison.Ordinal));
        Assert.All(personal, p => Assert.DoesNotContain(p, Assert.Single(slack.Requests).Text, StringComparison.Ordinal));
        var intentKey = Assert.Single(await FeedAsync(client)).GetProperty("idempotencyKey").GetString();
        var mail = Assert.Single(await EventuallyAsync(app, () => SmtpMailbox.Find($"{intentKey}:{emailId}"), found => found.Count > 0));
        Assert.Equal("[CRITICAL] Vigil alert: Slow for [email]", mail.Subject);
        Assert.All(personal, p => Assert.DoesNotContain(p, mail.HtmlBody + mail.TextBody, StringComparison.Ordinal));
        var body = received.Json;
        Assert.Equal("Slow for [email]", body.GetProperty("alertName").GetString());
        var sent = body.GetProperty("labels");
        Assert.Equal("/users", sent.GetProperty("route").GetString());
        Assert.Equal("[email]", sent.GetProperty("email").GetString());
        Assert.Equal("Bearer [redacted]", sent.GetProperty("session").GetString());
        Assert.Equal("[redacted]", sent.GetProperty("owner").GetString());
        Assert.False(sent.TryGetProperty("user_id", out _));

        // The alert keeps its stored fingerprint (open alerts are matched by it); the webhook gets its hash.
        var alert = (await (await client.GetAsync("/api/v1/alerts")).ReadAsync())[0];
        string fingerprint = alert.GetProperty("fingerprint").GetString()!;
        Assert.Contains("u-9876", fingerprint, StringComparison.Ordinal);
        Assert.Equal(Vigil.Notifications.Privacy.PiiScrubber.HashFingerprint(fingerprint), body.GetProperty("context").GetProperty("fingerprint").GetString());
    }

    [Fact]
    public async Task DestinationFailing_RetriedWithBackoff_SameWebhookIdOnEveryAttempt()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        webhook.FailNext(2, 503);
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var channelId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}"}}""");
        await CreateRuleAsync(client, [channelId]);

        await ViolateAsync(client, app, "/search");
        await ReceivedAsync(webhook, 1);
        var failed = await EventuallyAsync(app, () => DeliveriesAsync(client, "failed"), d => d.Length == 1);
        Assert.Equal(1, failed[0].GetProperty("attempts").GetInt32());
        Assert.Contains("503", failed[0].GetProperty("lastError").GetString(), StringComparison.Ordinal);

        // The retry schedule starts at 5 s (± 20 % jitter), then 10 s: move the clock past each.
        app.Time.Advance(TimeSpan.FromSeconds(7));
        await ReceivedAsync(webhook, 2);
        await EventuallyAsync(app, () => DeliveriesAsync(client, "failed"), d => d.Length == 1 && d[0].GetProperty("attempts").GetInt32() == 2);
        app.Time.Advance(TimeSpan.FromSeconds(13));
        await ReceivedAsync(webhook, 3);

        var delivered = Assert.Single(await EventuallyAsync(app, () => DeliveriesAsync(client, "succeeded"), d => d.Length == 1));
        Assert.Equal(3, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal([503, 503, 200], webhook.Requests.Select(r => r.Status).ToArray());
        Assert.Single(webhook.Requests.Select(r => r.Header("webhook-id")).Distinct());
        Assert.Equal(3, webhook.Requests.Select(r => r.Header("webhook-timestamp")).Distinct().Count());
    }

    [Fact]
    public async Task DestinationGone_ChannelDisabled_DeadLetterReplayedOnceEnabled()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        webhook.FailNext(1, 410);
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var channelId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}"}}""");
        await CreateRuleAsync(client, [channelId]);

        await ViolateAsync(client, app, "/search");
        var dead = Assert.Single(await EventuallyAsync(app, () => DeliveriesAsync(client, "dead"), d => d.Length == 1));
        var channel = await (await client.GetAsync($"/api/v1/channels/{channelId}")).ReadAsync();
        Assert.False(channel.GetProperty("enabled").GetBoolean());
        Assert.Contains("410", channel.GetProperty("disabledReason").GetString(), StringComparison.Ordinal);

        // Enabled again, the dead letter is replayed and arrives with the same webhook-id.
        Assert.Equal(HttpStatusCode.OK, (await client.PatchAsync($"/api/v1/channels/{channelId}", Json.Body("""{"enabled":true}"""))).StatusCode);
        var replay = await client.PostAsync($"/api/v1/deliveries/{dead.GetProperty("id").GetInt64()}/replay", null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        await ReceivedAsync(webhook, 2);
        await EventuallyAsync(app, () => DeliveriesAsync(client, "succeeded"), d => d.Length == 1);
        Assert.Equal(webhook.Requests[0].Header("webhook-id"), webhook.Requests[1].Header("webhook-id"));
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/deliveries/999999/replay", null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/deliveries?status=lost")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/deliveries?limit=0")).StatusCode);

    }

    [Fact]
    public async Task Relay_TwoIntegrations_OneDeliveredOneQueuedForRetry_StatsAndLog()
    {
        await using var good = await WebhookReceiver.StartAsync();
        await using var bad = await WebhookReceiver.StartAsync();
        bad.FailNext(1, 503);
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var goodId = await CreateChannelAsync(client, $$$"""{"name":"good","type":"webhook","config":{"url":"{{{good.Url()}}}"}}""");
        var badId = await CreateChannelAsync(client, $$$"""{"name":"bad","type":"webhook","config":{"url":"{{{bad.Url()}}}"}}""");
        var created = await client.PostJsonAsync("/api/v1/relay/endpoints", $$$"""{"slug":"orders","name":"Orders","integrations":["{{{goodId}}}","{{{badId}}}"],"secret":"relay-s3cret"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("********", (await created.ReadAsync()).GetProperty("secret").GetString());
        var caller = app.WithKey(null);
        caller.DefaultRequestHeaders.Add("X-Relay-Secret", "relay-s3cret");
        const string payload = """{"event":"order.created","id":42,"items":[{"sku":"A-1","qty":2}]}""";

        var response = await caller.PostJsonAsync("/api/webhook/orders", payload);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.ReadAsync();
        Assert.False(answer.GetProperty("success").GetBoolean());
        Assert.Equal("Delivered to 1/2 integrations", answer.GetProperty("message").GetString());
        var stats = answer.GetProperty("stats");
        Assert.Equal((2, 1, 1), (stats.GetProperty("total").GetInt32(), stats.GetProperty("successful").GetInt32(), stats.GetProperty("failed").GetInt32()));
        Assert.Equal(payload, Assert.Single(good.Requests).Text); // the exact bytes

        // The failed one stays queued and goes out at its retry.
        await EventuallyAsync(app, () => DeliveriesAsync(client, "failed"), d => d.Length == 1);
        app.Time.Advance(TimeSpan.FromSeconds(7));
        await ReceivedAsync(bad, 2);
        var log = await EventuallyAsync(app, async () => (await (await client.GetAsync("/api/v1/relay/requests")).ReadAsync()).EnumerateArray().ToArray(), l => l.Length == 1 && l[0].GetProperty("successful").GetInt32() == 2);
        Assert.Equal("partial", log[0].GetProperty("status").GetString());
        var dashboard = await (await client.GetAsync("/api/v1/relay/stats")).ReadAsync();
        Assert.Equal((1, 2, 1L), (dashboard.GetProperty("endpoints").GetInt32(), dashboard.GetProperty("integrations").GetInt32(), dashboard.GetProperty("requestsToday").GetInt64()));
    }

    [Fact]
    public async Task Relay_BadCalls_ProblemsAndNothingQueued()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings.Concat([new("Vigil:Relay:MaxBodyBytes", "1024")]).ToDictionary());
        var client = app.Admin();
        var channelId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{receiver.Url()}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, (await client.PostJsonAsync("/api/v1/relay/endpoints", $$$"""{"slug":"orders","name":"Orders","integrations":["{{{channelId}}}"],"secret":"s3cret"}""")).StatusCode);
        var caller = app.WithKey(null);

        Assert.Equal(HttpStatusCode.NotFound, (await caller.PostJsonAsync("/api/webhook/unknown", "{}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await caller.PostJsonAsync("/api/webhook/orders", "{}")).StatusCode);
        caller.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(HttpStatusCode.BadRequest, (await caller.PostJsonAsync("/api/webhook/orders", "{\"open\":")).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await caller.PostJsonAsync("/api/webhook/orders", "{\"pad\":\"" + new string('x', 2000) + "\"}")).StatusCode);
        Assert.Empty(receiver.Requests);
        Assert.Empty((await (await client.GetAsync("/api/v1/relay/requests")).ReadAsync()).EnumerateArray());

        // Endpoint bodies: every bad field named.
        var invalid = await client.PostJsonAsync("/api/v1/relay/endpoints", """{"slug":"Bad Slug","name":"","integrations":["nope"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var errors = (await invalid.ReadAsync()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("slug", out _) && errors.TryGetProperty("name", out _) && errors.TryGetProperty("integrations[0]", out _));
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostJsonAsync("/api/v1/relay/endpoints", $$$"""{"slug":"orders","name":"Again","integrations":["{{{channelId}}}"],"secret":"other"}""")).StatusCode);
        var endpointId = (await (await client.GetAsync("/api/v1/relay/endpoints")).ReadAsync())[0].GetProperty("id").GetString();
        var badPatch = await client.PatchAsync($"/api/v1/relay/endpoints/{endpointId}", Json.Body("""{"slug":"NO SPACES","integrations":[]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, badPatch.StatusCode);
        var patchErrors = (await badPatch.ReadAsync()).GetProperty("errors");
        Assert.True(patchErrors.TryGetProperty("slug", out _) && patchErrors.TryGetProperty("integrations", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PatchAsync($"/api/v1/relay/endpoints/{endpointId}", Json.Body("""{"colour":"red"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PatchAsync("/api/v1/relay/endpoints/nope", Json.Body("""{"name":"x"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync("/api/v1/relay/requests?limit=abc")).StatusCode);
    }

    [Fact]
    public async Task DigestChannel_WarningsBatchedIntoOneMessagePerWindow_CriticalSentAtOnce()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var channelId = await CreateChannelAsync(client, $$$"""{"name":"digest","type":"webhook","digestMinutes":5,"config":{"url":"{{{webhook.Url()}}}"}}""");
        await CreateRuleAsync(client, [channelId], severity: "warning");

        await ViolateAsync(client, app, "/a", runPass: false);
        await ViolateAsync(client, app, "/b");
        Assert.Equal(2, (await FeedAsync(client)).Count(n => n.GetProperty("kind").GetString() == "firing"));
        var held = Assert.Single(await DeliveriesAsync(client, "pending"));
        Assert.Equal("notification.digest", held.GetProperty("type").GetString());
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(5), held.GetProperty("nextAttemptAt").GetDateTimeOffset()); // the clock starts on a window boundary
        Assert.Empty(webhook.Requests);

        app.Time.Advance(TimeSpan.FromMinutes(5));
        await ReceivedAsync(webhook, 1);

        var digest = Assert.Single(webhook.Requests).Json;
        Assert.Equal("digest", digest.GetProperty("type").GetString());
        Assert.Equal(2, digest.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task ChannelTest_SendsATestNotificationNow_SecretFromConfigurationSignsIt()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        webhook.Secret = Secret;
        await using var app = StartApp(settings: Settings.Concat([new("Vigil:Secrets:OpsHook", Secret)]).ToDictionary());
        var client = app.Admin();
        var channelId = await CreateChannelAsync(client, $$$"""{"name":"hook","type":"webhook","config":{"url":"{{{webhook.Url()}}}","secret":"config:OpsHook"}}""");

        var response = await client.PostAsync($"/api/v1/channels/{channelId}/test", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync();
        Assert.True(result.GetProperty("delivered").GetBoolean());
        Assert.Equal(200, result.GetProperty("httpStatus").GetInt32());
        var received = Assert.Single(webhook.Requests);
        Assert.True(received.SignatureValid); // signed with the secret read from configuration
        Assert.Equal("Vigil test notification", received.Json.GetProperty("alertName").GetString());

        webhook.FailNext(1, 500);
        var failed = await (await client.PostAsync($"/api/v1/channels/{channelId}/test", null)).ReadAsync();
        Assert.False(failed.GetProperty("delivered").GetBoolean());
        Assert.Equal("retryable_failure", failed.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/api/v1/channels/nope/test", null)).StatusCode);
    }

    [Fact]
    public async Task ChannelTest_EmailPasswordSettingNotSet_NamesTheMissingSetting()
    {
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var (smtpHost, smtpPort) = SmtpMailbox.Server;
        var channelId = await CreateChannelAsync(client, $$$"""{"name":"mail","type":"email","config":{"host":"{{{smtpHost}}}","port":{{{smtpPort}}},"tls":"none","username":"vigil","password":"config:SmtpNotSet","from":"vigil@example.com","to":["oncall@example.com"]}}""");

        var response = await client.PostAsync($"/api/v1/channels/{channelId}/test", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await response.ReadAsync();
        Assert.False(result.GetProperty("delivered").GetBoolean());
        Assert.Equal("permanent_failure", result.GetProperty("status").GetString());
        var error = result.GetProperty("error").GetString()!;
        Assert.Contains("config.password", error, StringComparison.Ordinal);
        var setting = Regex.Match(error, @"the setting (\S*SmtpNotSet) is not set");
        Assert.True(setting.Success, error);
        Assert.Contains($"environment variable {setting.Groups[1].Value.Replace(":", "__", StringComparison.Ordinal)}", error, StringComparison.Ordinal);
        Assert.DoesNotContain("A password is required", error, StringComparison.Ordinal);
    }

    private static async Task<string> CreateChannelAsync(HttpClient client, string body)
    {
        var response = await client.PostJsonAsync("/api/v1/channels", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }

    private static async Task<string> CreateRuleAsync(HttpClient client, string[] channels, string severity = "critical")
    {
        var response = await client.PostJsonAsync("/api/v1/alerts/rules", $$"""
            {"name":"Slow route","metric":"checkout_latency_ms","groupBy":["route"],"aggregation":"avg","windowMinutes":5,
             "minDataPoints":5,"threshold":1000,"severity":"{{severity}}","cooldownMinutes":15,"labels":{"team":"api"},
             "channels":{{JsonSerializer.Serialize(channels)}}}
            """);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadAsync()).GetProperty("id").GetString()!;
    }

    private static async Task ViolateAsync(HttpClient client, VigilApp app, string route, bool runPass = true)
    {
        (await client.PostJsonAsync("/api/v1/metrics", Json.Timings("checkout_latency_ms", Enumerable.Repeat(2500.0, 10), $$$"""{"route":"{{{route}}}"}""", app.Time.GetUtcNow().AddSeconds(-5)))).EnsureSuccessStatusCode();
        if (runPass)
        {
            await app.Services.GetRequiredService<AlertEngine>().RunOnceAsync(CancellationToken.None);
        }
    }

    private static async Task<JsonElement[]> FeedAsync(HttpClient client) =>
        [.. (await (await client.GetAsync("/api/v1/notifications")).ReadAsync()).EnumerateArray()];

    private static async Task<JsonElement[]> DeliveriesAsync(HttpClient client, string status) =>
        [.. (await (await client.GetAsync($"/api/v1/deliveries?status={status}")).ReadAsync()).EnumerateArray()];

    /// <summary>Waits until the receiver has recorded (answered) <paramref name="count"/> requests (checked at each request).</summary>
    private static Task<IReadOnlyList<ReceivedWebhook>> ReceivedAsync(WebhookReceiver receiver, int count) =>
        receiver.WaitUntilAsync(r => r.Count >= count, Patience);

    /// <summary>
    /// Reads until <paramref name="done"/>: again each time the server's job processor stores
    /// outcomes (a delivery's state, the relay log and the mail all change before that), not on a
    /// timer; fails after a generous deadline.
    /// </summary>
    private static async Task<T> EventuallyAsync<T>(VigilApp app, Func<Task<T>> read, Func<T, bool> done)
    {
        var processor = app.Services.GetRequiredService<JobProcessor>();
        using var stored = new SemaphoreSlim(0);
        void OnStored() => stored.Release();
        processor.OutcomesStored += OnStored;
        try
        {
            using var deadline = new CancellationTokenSource(Patience);
            var value = await read();
            while (!done(value))
            {
                try
                {
                    await stored.WaitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    Assert.Fail($"not reached in {Patience.TotalSeconds} s: {(value is JsonElement[] json ? JsonSerializer.Serialize(json) : value?.ToString())}");
                }

                value = await read();
            }

            return value;
        }
        finally
        {
            processor.OutcomesStored -= OnStored;
        }
    }

    private static Task<T> EventuallyAsync<T>(VigilApp app, Func<T> read, Func<T, bool> done) => EventuallyAsync(app, () => Task.FromResult(read()), done);
}

public sealed class SqliteDeliveryTests() : DeliveryTests(StorageProvider.Sqlite);

public sealed class PostgresDeliveryTests() : DeliveryTests(StorageProvider.Postgres);
