using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Delivery.Acknowledge;
using Vigil.Jobs.Scheduling;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Performance.Analysis;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9: the malformed-input suite, generated from the OpenAPI document. Every operation the
/// document lists (plus the acknowledge-link pages it leaves out) has a valid example here — a
/// new operation without one fails the suite — and is sent that example (which must succeed),
/// then every variant of <see cref="MalformedInput"/>: each field of the body, each query and
/// path parameter, whole bodies that are not JSON. Every answer must be below 500 and every 4xx
/// a <c>problem+json</c>. Data stored before (a canary rule, channel, relay endpoint, silence,
/// key and series) is the same afterwards, valid ingest still lands, and every read endpoint
/// still answers 200.
/// </summary>
public abstract class MalformedInputSuiteTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Alerts:EvaluationEnabled"] = "false",
        ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the receivers listen on loopback
        ["Vigil:Http:PublicUrl"] = "https://vigil.example.com",
        ["Vigil:Relay:RequestsPerSecond"] = "100000",
        ["Vigil:StatusPage:Enabled"] = "true",
        ["Vigil:Traces:SamplePercent"] = "100", // the seeded trace is kept
    };

    // The trace the seed exports (OTLP/JSON, hex ids), read back by GET /api/v1/traces/{traceId}.
    private const string SuiteTraceId = "5b8efff798038103d269b633813fc60c";

    // Deletes run last, in this order (a channel in use by a rule or relay endpoint is a 409).
    private static readonly string[] DeleteOrder =
    [
        "DELETE /api/v1/relay/endpoints/{id}", "DELETE /api/v1/alerts/rules/{id}", "DELETE /api/v1/silences/{id}",
        "DELETE /api/v1/keys/{id}", "DELETE /api/v1/channels/{id}",
    ];

    [Fact]
    public async Task EveryOperation_MalformedInput_NoServerError_ProblemJson_DataIntact()
    {
        await using var victimReceiver = await WebhookReceiver.StartAsync();
        await using var canaryReceiver = await WebhookReceiver.StartAsync();
        await using var app = StartApp(settings: Settings);
        var admin = app.Admin();
        var seed = await SeedAsync(app, admin, victimReceiver, canaryReceiver);
        var before = await SnapshotAsync(admin, seed);
        var document = await (await app.WithKey(null).GetAsync("/openapi/v1.json")).ReadAsync();
        var examples = Examples(app, seed, victimReceiver);

        // The acknowledge-link pages (not in the document: they are HTML for people) go first, while the alert is open.
        var operations = new[] { "GET /ack/{token}", "POST /ack/{token}" }.Concat(Operations(document)).ToList();
        var missing = operations.Where(o => !examples.ContainsKey(o)).ToList();
        Assert.True(missing.Count == 0, "operations without an example in the malformed-input suite: " + string.Join(", ", missing));
        var ordered = operations.Where(o => !o.StartsWith("DELETE ", StringComparison.Ordinal))
            .Concat(DeleteOrder.Where(operations.Contains))
            .Concat(operations.Where(o => o.StartsWith("DELETE ", StringComparison.Ordinal) && !DeleteOrder.Contains(o)))
            .ToList();

        var failures = new List<string>();
        var sent = 0;
        foreach (var operation in ordered)
        {
            var example = examples[operation];
            var client = example.Anonymous ? app.WithKey(null) : admin;
            foreach (var (name, value) in example.Headers)
            {
                client.DefaultRequestHeaders.Add(name, value);
            }

            var method = new HttpMethod(operation[..operation.IndexOf(' ', StringComparison.Ordinal)]);
            var template = operation[(operation.IndexOf(' ', StringComparison.Ordinal) + 1)..];
            var queryNames = QueryParameters(document, operation).Union(example.Query.Select(q => q.Name)).ToList();

            async Task SendAsync(string what, string path, string query, string? body, string contentType = "application/json")
            {
                using var request = new HttpRequestMessage(method, query.Length == 0 ? path : $"{path}?{query}");
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, contentType);
                }

                using var response = await client.SendAsync(request);
                sent++;
                var status = (int)response.StatusCode;
                if (what == "valid example")
                {
                    if (status >= 300 && !example.ValidStatuses.Contains(status))
                    {
                        failures.Add($"{operation} {what}: {status} {Clip(await response.Content.ReadAsStringAsync())}");
                    }
                }
                else if (status >= 500)
                {
                    failures.Add($"{operation} {what}: {status} {Clip(await response.Content.ReadAsStringAsync())}");
                }
                else if (status >= 400 && response.Content.Headers.ContentType?.MediaType is var type
                    && type != "application/problem+json" && !(example.Html && type == "text/html"))
                {
                    failures.Add($"{operation} {what}: {status} with {response.Content.Headers.ContentType?.MediaType ?? "no content type"}");
                }
            }

            var validPath = Fill(template, example.Path);
            var validQuery = Query(example.Query);
            if (!method.Equals(HttpMethod.Delete))
            {
                await SendAsync("valid example", validPath, validQuery, example.Body);
            }

            foreach (var name in example.Path.Keys)
            {
                foreach (var value in MalformedInput.PathValues)
                {
                    var path = Fill(template, new Dictionary<string, string>(example.Path) { [name] = value });
                    await SendAsync($"path {name}={Clip(value, 40)}", path, validQuery, example.Body);
                }
            }

            foreach (var name in queryNames)
            {
                foreach (var value in MalformedInput.QueryValues)
                {
                    var query = example.Query.Where(q => q.Name != name).Append((name, value)).ToList();
                    await SendAsync($"query {name}={Clip(value, 40)}", validPath, Query(query), example.Body);
                }

                var twice = example.Query.Concat(example.Query.Where(q => q.Name == name)).ToList();
                await SendAsync($"query {name} twice", validPath, Query(twice), example.Body);
            }

            if (method.Equals(HttpMethod.Delete))
            {
                await SendAsync("valid example", validPath, validQuery, null);
                continue;
            }

            if (example.Body is null)
            {
                continue;
            }

            foreach (var body in MalformedInput.Bodies)
            {
                await SendAsync($"body {Clip(body, 40)}", validPath, validQuery, body);
            }

            await SendAsync("body as text/plain", validPath, validQuery, example.Body, "text/plain");
            var node = JsonNode.Parse(example.Body)!;
            foreach (var field in MalformedInput.Fields(node).ToList())
            {
                var name = MalformedInput.Describe(field);
                await SendAsync($"{name} removed", validPath, validQuery, MalformedInput.Replace(node, field, null));
                await SendAsync($"{name} twice", validPath, validQuery, MalformedInput.Duplicate(node, field));
                foreach (var value in MalformedInput.Values)
                {
                    await SendAsync($"{name}={Clip(value, 40)}", validPath, validQuery, MalformedInput.Replace(node, field, value));
                }
            }

            foreach (var obj in MalformedInput.Objects(node).ToList())
            {
                await SendAsync($"unknown field in {MalformedInput.Describe(obj)}", validPath, validQuery, MalformedInput.AddUnknown(node, obj));
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n" + string.Join('\n', failures.Take(200)));

        // What was stored before is intact, valid ingest still lands, everything still reads.
        Assert.Equal(before, await SnapshotAsync(admin, seed));
        var points = await admin.PostJsonAsync("/api/v1/metrics", Timings("canary_ms", [5, 6], """{"route":"/after"}""", app.Time.GetUtcNow()));
        Assert.Equal(HttpStatusCode.Accepted, points.StatusCode);
        var count = await (await admin.GetAsync("/api/v1/series?metric=canary_ms&agg=count&match[route]=/after")).ReadAsync();
        Assert.Equal(2, count.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
        await EveryEndpoint.ReadAllAsync(admin, "canary_ms", "victim_ms");
        Assert.True(sent > 5_000, $"only {sent} requests were generated");
    }

    private sealed record Seed(
        string CanaryRule, string CanaryChannel, string CanaryRelay, string CanarySilence, string CanaryKey,
        string VictimRule, string VictimChannel, string VictimRelay, string RelayTarget, string VictimSilence, string VictimKey,
        string Alert, string Notification, string Delivery, string AckToken,
        string VictimMonitor, string HeartbeatToken, string VictimMaintenance, string VictimOperation, string VictimIssue);

    private sealed record Example(
        string? Body = null,
        Dictionary<string, string>? PathArgs = null,
        (string Name, string Value)[]? QueryArgs = null,
        bool Anonymous = false,
        Dictionary<string, string>? HeaderArgs = null,
        int[]? Statuses = null,
        bool Html = false)
    {
        public Dictionary<string, string> Path => PathArgs ?? [];

        public (string Name, string Value)[] Query => QueryArgs ?? [];

        public Dictionary<string, string> Headers => HeaderArgs ?? [];

        public int[] ValidStatuses => Statuses ?? [];
    }

    private static async Task<Seed> SeedAsync(VigilApp app, HttpClient admin, WebhookReceiver victimReceiver, WebhookReceiver canaryReceiver)
    {
        async Task<string> CreateAsync(string url, string body)
        {
            var response = await admin.PostJsonAsync(url, body);
            Assert.True(response.IsSuccessStatusCode, $"{url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return (await response.ReadAsync()).GetProperty("id").ToString();
        }

        var now = app.Time.GetUtcNow();
        var canaryChannel = await CreateAsync("/api/v1/channels", $$$"""{"name":"canary","type":"webhook","config":{"url":"{{{canaryReceiver.Url()}}}","secret":"canary-secret"}}""");
        var victimChannel = await CreateAsync("/api/v1/channels", $$$"""{"name":"victim","type":"webhook","maxConcurrency":5,"config":{"url":"{{{victimReceiver.Url()}}}","secret":"victim-secret"}}""");
        var relayTarget = await CreateAsync("/api/v1/channels", $$$"""{"name":"relay target","type":"webhook","config":{"url":"{{{victimReceiver.Url("/relay")}}}"}}""");
        var canaryRule = await CreateAsync("/api/v1/alerts/rules", Rule("canary", "canary_ms", 100000, canaryChannel));
        var victimRule = await CreateAsync("/api/v1/alerts/rules", Rule("victim", "victim_ms", 100, victimChannel));
        var canaryRelay = await CreateAsync("/api/v1/relay/endpoints", $$$"""{"slug":"canary","name":"Canary","integrations":["{{{canaryChannel}}}"],"secret":"canary-relay"}""");
        var victimRelay = await CreateAsync("/api/v1/relay/endpoints", $$$"""{"slug":"victim","name":"Victim","integrations":["{{{victimChannel}}}"],"secret":"victim-relay"}""");
        await CreateAsync("/api/v1/relay/endpoints", $$$"""{"slug":"incoming","name":"Incoming","integrations":["{{{relayTarget}}}"],"secret":"incoming-relay"}""");
        var canarySilence = await CreateAsync("/api/v1/silences", """{"labels":{"env":"canary"},"durationMinutes":60,"comment":"canary"}""");
        var victimSilence = await CreateAsync("/api/v1/silences", """{"labels":{"env":"victim"},"durationMinutes":60,"comment":"victim"}""");
        var canaryKey = await CreateAsync("/api/v1/keys", """{"name":"canary","role":"viewer"}""");
        var victimKey = await CreateAsync("/api/v1/keys", """{"name":"victim","role":"viewer"}""");
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostJsonAsync("/api/v1/metrics", Timings("canary_ms", [10, 20, 30], """{"route":"/a","team":"canary"}""", now))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostJsonAsync("/api/v1/metrics", Timings("victim_ms", [500], """{"route":"/v","team":"victim"}""", now))).StatusCode);

        // The victim rule fires: an alert, its in-app notification and one delivery to the victim receiver.
        await app.RunPassAsync();
        await victimReceiver.WaitUntilAsync(r => r.Count >= 1, TimeSpan.FromSeconds(30));
        var alert = (await (await admin.GetAsync("/api/v1/alerts?status=firing")).ReadAsync())[0].GetProperty("id").GetString()!;
        var notification = (await (await admin.GetAsync("/api/v1/notifications")).ReadAsync())[0].GetProperty("id").ToString();
        JsonElement[] deliveries = [];
        for (var attempt = 0; attempt < 300 && deliveries.Length == 0; attempt++)
        {
            deliveries = (await (await admin.GetAsync("/api/v1/deliveries?status=succeeded")).ReadAsync()).EnumerateArray().ToArray();
            if (deliveries.Length == 0)
            {
                await Task.Delay(50); // the job's outcome is stored just after the receiver answered
            }
        }

        var delivery = Assert.Single(deliveries).GetProperty("id").ToString();
        var token = new Uri(app.Services.GetRequiredService<AcknowledgeLinks>().Create(alert)).Segments[^1];

        // Monitors: an HTTP one on the victim receiver, a heartbeat (its token is in its check-in URL), a maintenance window.
        var victimMonitor = await CreateAsync("/api/v1/monitors", $$$"""{"name":"victim site","type":"http","url":"{{{victimReceiver.Url("/health")}}}","intervalSeconds":60}""");
        var heartbeat = await admin.PostJsonAsync("/api/v1/monitors", """{"name":"victim job","type":"heartbeat","intervalSeconds":3600,"graceSeconds":600}""");
        Assert.Equal(HttpStatusCode.Created, heartbeat.StatusCode);
        var heartbeatToken = new Uri((await heartbeat.ReadAsync()).GetProperty("heartbeatUrl").GetString()!).Segments[^1];
        var victimMaintenance = await CreateAsync("/api/v1/maintenance", $$$"""{"name":"victim deploy","monitorId":"{{{victimMonitor}}}","startsAt":"{{{Iso(now.AddHours(1))}}}","endsAt":"{{{Iso(now.AddHours(2))}}}"}""");

        // Performance: an endpoint's requests two hours ago, summed into an operation by the aggregation schedule's analysis.
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostJsonAsync("/api/v1/metrics", Timings("http_request_duration_ms", [40, 60], """{"route":"/victim","method":"GET"}""", now.AddHours(-2)))).StatusCode);
        await app.Services.GetServices<IScheduledTask>().OfType<OperationAnalysis>().Single().RunAsync(CancellationToken.None);
        var victimOperation = (await (await admin.GetAsync("/api/v1/operations")).ReadAsync())[0].GetProperty("id").GetString()!;

        // Traces: a request with a database call, kept whole.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostJsonAsync("/v1/traces", OtlpTraces(now))).StatusCode);

        // Errors: the trace's exception event is an issue.
        var victimIssue = (await (await admin.GetAsync("/api/v1/issues")).ReadAsync()).GetProperty("issues")[0].GetProperty("id").GetString()!;
        return new Seed(canaryRule, canaryChannel, canaryRelay, canarySilence, canaryKey, victimRule, victimChannel, victimRelay, relayTarget,
            victimSilence, victimKey, alert, notification, delivery, token, victimMonitor, heartbeatToken, victimMaintenance, victimOperation, victimIssue);
    }

    private static string Rule(string name, string metric, double threshold, string channel) => $$$"""
        {"name":"{{{name}}}","metric":"{{{metric}}}","match":{"team":"{{{name}}}"},"groupBy":["route"],"aggregation":"max","windowMinutes":5,
         "minDataPoints":1,"thresholdType":"static","threshold":{{{threshold}}},"comparison":"greater_than","forSeconds":0,
         "severity":"critical","cooldownMinutes":60,"repeatIntervalMinutes":240,"recoveryThreshold":null,"channels":["{{{channel}}}"],
         "escalationChannels":[],"labels":{"team":"api"},"runbookUrl":"https://runbooks.example.com/{{{name}}}","enabled":true}
        """;

    /// <summary>An OTLP/JSON metrics export: a gauge, a cumulative sum and a histogram with attributes.</summary>
    private static string OtlpMetrics(DateTimeOffset now)
    {
        var nanos = (now.ToUnixTimeMilliseconds() * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $$$"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"suite"}}]},
              "scopeMetrics":[{"scope":{"name":"suite","version":"1"},"metrics":[
                {"name":"suite.queue.depth","unit":"1","gauge":{"dataPoints":[{"asDouble":3.5,"timeUnixNano":"{{{nanos}}}","attributes":[{"key":"queue","value":{"stringValue":"orders"}}]}]}},
                {"name":"suite.requests","sum":{"aggregationTemporality":2,"isMonotonic":true,"dataPoints":[{"asInt":"12","startTimeUnixNano":"1","timeUnixNano":"{{{nanos}}}"}]}},
                {"name":"suite.duration","unit":"ms","histogram":{"aggregationTemporality":1,"dataPoints":[{"count":"3","sum":60,"bucketCounts":["1","2"],"explicitBounds":[10],"min":5,"max":30,"timeUnixNano":"{{{nanos}}}"}]}}]}]}]}
            """;
    }

    /// <summary>An OTLP/JSON traces export: a server span (a transaction) and its database call, with an exception event.</summary>
    private static string OtlpTraces(DateTimeOffset now)
    {
        var end = (now.ToUnixTimeMilliseconds() * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var start = ((now.ToUnixTimeMilliseconds() - 40) * 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return $$$"""
            {"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"suite"}}]},
              "scopeSpans":[{"scope":{"name":"suite","version":"1"},"spans":[
                {"traceId":"{{{SuiteTraceId}}}","spanId":"eee19b7ec3c1b174","name":"GET /suite/{id}","kind":2,"startTimeUnixNano":"{{{start}}}","endTimeUnixNano":"{{{end}}}",
                 "attributes":[{"key":"http.route","value":{"stringValue":"/suite/{id}"}},{"key":"http.request.method","value":{"stringValue":"GET"}},{"key":"http.response.status_code","value":{"intValue":"200"}}],
                 "status":{"code":1}},
                {"traceId":"{{{SuiteTraceId}}}","spanId":"eee19b7ec3c1b175","parentSpanId":"eee19b7ec3c1b174","name":"suite_db","kind":3,"startTimeUnixNano":"{{{start}}}","endTimeUnixNano":"{{{end}}}",
                 "attributes":[{"key":"db.system","value":{"stringValue":"postgresql"}},{"key":"db.statement","value":{"stringValue":"SELECT * FROM items WHERE id = 7"}}],
                 "events":[{"name":"exception","timeUnixNano":"{{{end}}}","attributes":[{"key":"exception.type","value":{"stringValue":"System.TimeoutException"}}]}],
                 "status":{"code":2,"message":"timeout"}}]}]}]}
            """;
    }

    private static Dictionary<string, Example> Examples(VigilApp app, Seed seed, WebhookReceiver receiver)
    {
        var now = app.Time.GetUtcNow();
        var from = Iso(now.AddHours(-1));
        var to = Iso(now);
        var id = (string value) => new Dictionary<string, string> { ["id"] = value };
        var rule = Rule("suite rule", "suite_ms", 250, seed.VictimChannel);
        var range = new[] { ("from", from), ("to", to), ("step", "1m") };
        return new()
        {
            ["GET /api/health"] = new(QueryArgs: [("quick", "true")]),
            ["GET /api/health/{check}"] = new(PathArgs: new() { ["check"] = "database" }),
            ["GET /api/health/live"] = new(),
            ["GET /api/health/ready"] = new(),
            ["POST /api/v1/metrics"] = new($$$"""
                {"points":[{"name":"suite_ms","type":"timing","value":12.5,"labels":{"route":"/suite","method":"GET"},"timestamp":"{{{to}}}"},
                           {"name":"suite_total","type":"counter","value":1,"labels":{"route":"/suite"}}]}
                """),
            ["GET /api/v1/metrics"] = new(QueryArgs: [("window", "15m")]),
            ["POST /v1/metrics"] = new(OtlpMetrics(now)),
            ["POST /otlp/v1/metrics"] = new(OtlpMetrics(now)),
            ["POST /v1/traces"] = new(OtlpTraces(now)),
            ["POST /otlp/v1/traces"] = new(OtlpTraces(now)),
            ["GET /api/v1/transactions"] = new(QueryArgs: [("service", "suite"), ("route", "/suite/{id}"), ("minDurationMs", "1"), ("status", "ok"), ("from", from), ("to", to), ("limit", "10")]),
            ["GET /api/v1/traces/{traceId}"] = new(PathArgs: new() { ["traceId"] = SuiteTraceId }),
            // Sentry SDKs' endpoints (a header-only envelope is one line of JSON) and the issues.
            ["POST /api/{projectId}/envelope"] = new("""{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"2026-11-23T12:00:00Z","sdk":{"name":"sentry.dotnet","version":"7.0.0"}}""",
                PathArgs: new() { ["projectId"] = "1" }),
            ["POST /api/{projectId}/store"] = new("""
                {"event_id":"8ec79c33ec9942ab8353589fcb2e04dc","level":"error","release":"suite@1","tags":{"service":"suite"},"user":{"id":"u1"},
                 "exception":{"values":[{"type":"System.InvalidOperationException","value":"suite","stacktrace":{"frames":[{"module":"Suite.Orders","function":"Place","lineno":3,"in_app":true}]}}]}}
                """, PathArgs: new() { ["projectId"] = "1" }),
            ["GET /api/v1/issues"] = new(QueryArgs: [("state", "unresolved"), ("service", "suite"), ("release", "suite@1"), ("query", "Timeout"), ("sort", "count"), ("limit", "10"), ("offset", "0")]),
            ["GET /api/v1/issues/{id}"] = new(PathArgs: id(seed.VictimIssue)),
            ["PATCH /api/v1/issues/{id}"] = new("""{"state":"resolved"}""", PathArgs: id(seed.VictimIssue)),
            ["POST /api/v1/jobs/executions"] = new($$$"""
                {"executions":[{"jobId":"suite-job","success":true,"durationMs":25000,"timestamp":"{{{to}}}","metadata":{"items":12}}]}
                """),
            ["GET /api/v1/series"] = new(QueryArgs: [("metric", "canary_ms"), ("agg", "p95"), ("match[route]", "/a"), ("from", from), ("to", to), ("step", "60s")]),
            ["GET /metrics"] = new(),
            ["GET /api/v1/series/usage"] = new(),
            ["DELETE /api/v1/series"] = new(QueryArgs: [("metric", "suite_ms"), ("match[route]", "/suite")]),
            ["GET /api/v1/audit"] = new(QueryArgs: [("from", from), ("to", to), ("actor", "bootstrap"), ("resource", "rules"), ("limit", "50")]),
            ["GET /api/v1/relay/requests"] = new(QueryArgs: [("endpointId", seed.VictimRelay), ("limit", "10")]),
            ["GET /api/v1/relay/stats"] = new(),
            ["POST /api/webhook/{slug}"] = new("""{"event":"order.created","id":42,"items":[{"sku":"A-1","qty":2}]}""",
                PathArgs: new() { ["slug"] = "incoming" }, Anonymous: true, HeaderArgs: new() { ["X-Relay-Secret"] = "incoming-relay" }),
            ["POST /api/v1/keys"] = new("""{"name":"suite key","role":"ingest","seriesQuota":1000,"pointsPerSecondQuota":5000}"""),
            ["GET /api/v1/keys"] = new(),
            ["DELETE /api/v1/keys/{id}"] = new(PathArgs: id(seed.VictimKey)),
            ["GET /api/v1/alerts"] = new(QueryArgs: [("status", "firing"), ("severity", "critical"), ("ruleId", seed.VictimRule), ("from", from), ("to", to), ("limit", "100")]),
            ["GET /api/v1/alerts/stats"] = new(QueryArgs: [("window", "24h")]),
            ["GET /api/v1/alerts/{id}"] = new(PathArgs: id(seed.Alert)),
            ["POST /api/v1/alerts/{id}/acknowledge"] = new("""{"note":"looking"}""", PathArgs: id(seed.Alert), Statuses: [409]), // acknowledged by the link already
            ["POST /api/v1/alerts/{id}/silence"] = new("""{"durationMinutes":30,"note":"later"}""", PathArgs: id(seed.Alert)),
            ["POST /api/v1/alerts/{id}/resolve"] = new("""{"note":"fixed"}""", PathArgs: id(seed.Alert)),
            ["GET /api/v1/notifications"] = new(QueryArgs: [("unread", "true"), ("limit", "100")]),
            ["POST /api/v1/notifications/{id}/read"] = new(PathArgs: id(seed.Notification)),
            ["GET /api/v1/silences"] = new(QueryArgs: [("all", "true")]),
            ["POST /api/v1/silences"] = new($$$"""
                {"ruleId":"{{{seed.VictimRule}}}","labels":{"route":"/v"},"severity":"critical","startsAt":"{{{to}}}","durationMinutes":60,"comment":"suite"}
                """),
            ["DELETE /api/v1/silences/{id}"] = new(PathArgs: id(seed.VictimSilence)),
            ["GET /api/v1/alerts/rules"] = new(),
            ["POST /api/v1/alerts/rules"] = new(rule),
            ["GET /api/v1/alerts/rules/{id}"] = new(PathArgs: id(seed.VictimRule)),
            ["PATCH /api/v1/alerts/rules/{id}"] = new(Rule("victim", "victim_ms", 100, seed.VictimChannel), PathArgs: id(seed.VictimRule)),
            ["DELETE /api/v1/alerts/rules/{id}"] = new(PathArgs: id(seed.VictimRule)),
            ["POST /api/v1/alerts/rules/test"] = new(rule, QueryArgs: range),
            ["POST /api/v1/alerts/rules/{id}/test"] = new(PathArgs: id(seed.VictimRule), QueryArgs: range),
            ["GET /api/v1/channels"] = new(),
            ["POST /api/v1/channels"] = new($$$"""
                {"name":"suite","type":"webhook","enabled":true,"maxConcurrency":5,"digestMinutes":null,
                 "quietHours":{"start":"22:00","end":"07:00","timeZone":"Europe/Paris"},
                 "config":{"url":"{{{receiver.Url("/suite")}}}","secret":"whsec_MDEyMzQ1Njc4OWFiY2RlZg==","bearerToken":"token"}}
                """),
            ["GET /api/v1/channels/{id}"] = new(PathArgs: id(seed.VictimChannel)),
            ["PATCH /api/v1/channels/{id}"] = new($$$"""
                {"name":"victim","enabled":true,"maxConcurrency":4,"digestMinutes":null,"quietHours":null,
                 "config":{"url":"{{{receiver.Url()}}}","secret":"victim-secret-2"}}
                """, PathArgs: id(seed.VictimChannel)),
            ["DELETE /api/v1/channels/{id}"] = new(PathArgs: id(seed.VictimChannel), Statuses: [409]),
            ["POST /api/v1/channels/{id}/test"] = new(PathArgs: id(seed.VictimChannel)),
            ["GET /api/v1/deliveries"] = new(QueryArgs: [("status", "succeeded"), ("channelId", seed.VictimChannel), ("limit", "10")]),
            ["POST /api/v1/deliveries/{id}/replay"] = new(PathArgs: id(seed.Delivery)),
            ["GET /api/v1/schedules"] = new(),
            ["GET /api/v1/cluster"] = new(),
            ["GET /api/v1/schedules/{name}"] = new(PathArgs: new() { ["name"] = "cleanup" }),
            ["POST /api/v1/schedules/{name}/run"] = new(PathArgs: new() { ["name"] = "health-check" }),
            ["GET /api/v1/monitors"] = new(QueryArgs: [("recent", "5")]),
            ["POST /api/v1/monitors"] = new($$$"""
                {"name":"suite site","type":"http","enabled":true,"intervalSeconds":30,"retries":1,"retryIntervalSeconds":10,
                 "url":"{{{receiver.Url("/suite")}}}","method":"POST","headers":{"X-Suite":"1"},"body":"{\"ping\":true}",
                 "expectedStatus":["200-299"],"keyword":"ok","timeoutSeconds":5,"degradedAboveMs":800,"certificateExpiryDays":14}
                """),
            ["GET /api/v1/monitors/{id}"] = new(PathArgs: id(seed.VictimMonitor), QueryArgs: [("recent", "5")]),
            ["GET /api/v1/operations"] = new(QueryArgs: [("kind", "route"), ("service", "shop"), ("sort", "slowest"), ("limit", "20")]),
            ["GET /api/v1/operations/{id}"] = new(PathArgs: id(seed.VictimOperation)),
            ["GET /api/v1/slos"] = new(),
            ["GET /api/v1/slos/{id}"] = new(PathArgs: id("api-errors")),
            ["POST /api/v1/slos"] = new("""{"name":"suite objective","kind":"latency","metric":"suite_ms","match":{"route":"/suite"},"thresholdMs":300,"objectivePercent":99,"windowDays":7,"enabled":true}"""),
            ["PUT /api/v1/slos/{id}"] = new("""{"name":"Heap memory","kind":"gauge","metric":"process_heap_used_percent","comparison":"less_than","threshold":75,"objectivePercent":99,"windowDays":30}""", PathArgs: id("heap")),
            ["DELETE /api/v1/slos/{id}"] = new(PathArgs: id("cache-hit-rate")),
            ["GET /api/v1/regressions"] = new(QueryArgs: [("state", "open"), ("kind", "regression"), ("operationId", seed.VictimOperation), ("limit", "10")]),
            ["PUT /api/v1/monitors/{id}"] = new($$$"""{"name":"victim site","type":"http","url":"{{{receiver.Url("/health")}}}","intervalSeconds":60}""", PathArgs: id(seed.VictimMonitor)),
            ["PATCH /api/v1/monitors/{id}"] = new("""{"intervalSeconds":120,"keyword":null}""", PathArgs: id(seed.VictimMonitor)),
            ["DELETE /api/v1/monitors/{id}"] = new(PathArgs: id(seed.VictimMonitor)),
            ["POST /api/v1/monitors/{id}/check"] = new(PathArgs: id(seed.VictimMonitor)),
            ["GET /api/v1/monitors/{id}/checks"] = new(PathArgs: id(seed.VictimMonitor), QueryArgs: [("limit", "10")]),
            ["GET /api/v1/maintenance"] = new(),
            ["POST /api/v1/maintenance"] = new($$$"""{"name":"suite window","monitorId":null,"startsAt":"{{{Iso(now.AddDays(1))}}}","endsAt":"{{{Iso(now.AddDays(1).AddHours(1))}}}"}"""),
            ["GET /api/v1/maintenance/{id}"] = new(PathArgs: id(seed.VictimMaintenance)),
            ["PUT /api/v1/maintenance/{id}"] = new($$$"""{"name":"victim deploy","monitorId":"{{{seed.VictimMonitor}}}","startsAt":"{{{Iso(now.AddHours(1))}}}","endsAt":"{{{Iso(now.AddHours(3))}}}"}""", PathArgs: id(seed.VictimMaintenance)),
            ["DELETE /api/v1/maintenance/{id}"] = new(PathArgs: id(seed.VictimMaintenance)),
            // Check-ins are rate-limited per monitor and, for unknown tokens, per address: the hostile tokens use that budget up.
            ["POST /api/v1/heartbeats/{token}"] = new(PathArgs: new() { ["token"] = seed.HeartbeatToken }, Anonymous: true, Statuses: [429]),
            ["GET /api/v1/heartbeats/{token}"] = new(PathArgs: new() { ["token"] = seed.HeartbeatToken }, Anonymous: true, Statuses: [429]),
            ["GET /api/v1/status"] = new(Anonymous: true),
            ["GET /api/v1/relay/endpoints"] = new(),
            ["POST /api/v1/relay/endpoints"] = new($$$"""{"slug":"suite","name":"Suite","integrations":["{{{seed.VictimChannel}}}"],"secret":null,"allowUnauthenticated":true}"""),
            ["PATCH /api/v1/relay/endpoints/{id}"] = new($$$"""{"slug":"victim","name":"Victim 2","integrations":["{{{seed.VictimChannel}}}"],"secret":"victim-relay-2"}""", PathArgs: id(seed.VictimRelay)),
            ["DELETE /api/v1/relay/endpoints/{id}"] = new(PathArgs: id(seed.VictimRelay)),
            ["GET /ack/{token}"] = new(PathArgs: new() { ["token"] = seed.AckToken }, Anonymous: true, Html: true),
            ["POST /ack/{token}"] = new(PathArgs: new() { ["token"] = seed.AckToken }, Anonymous: true, Html: true),
        };
    }

    private static async Task<string> SnapshotAsync(HttpClient admin, Seed seed)
    {
        async Task<string> ReadAsync(string url) => (await (await admin.GetAsync(url)).ReadAsync()).ToString();
        async Task<string> OneAsync(string url, string id) =>
            (await (await admin.GetAsync(url)).ReadAsync()).EnumerateArray().Single(e => e.GetProperty("id").ToString() == id).ToString();

        return string.Join('\n',
            await ReadAsync($"/api/v1/alerts/rules/{seed.CanaryRule}"),
            await ReadAsync($"/api/v1/channels/{seed.CanaryChannel}"),
            await OneAsync("/api/v1/relay/endpoints", seed.CanaryRelay),
            await OneAsync("/api/v1/silences?all=true", seed.CanarySilence),
            await OneAsync("/api/v1/keys", seed.CanaryKey),
            await ReadAsync("/api/v1/series?metric=canary_ms&agg=count&match[route]=/a"),
            await ReadAsync("/api/v1/series?metric=canary_ms&agg=p95&match[route]=/a"));
    }

    private static IEnumerable<string> Operations(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where operation.Name is "get" or "post" or "put" or "patch" or "delete"
        select $"{operation.Name.ToUpperInvariant()} {path.Name}";

    private static IEnumerable<string> QueryParameters(JsonElement document, string operation)
    {
        var space = operation.IndexOf(' ', StringComparison.Ordinal);
        if (!document.GetProperty("paths").TryGetProperty(operation[(space + 1)..], out var path)
            || !path.TryGetProperty(operation[..space].ToLowerInvariant(), out var op)
            || !op.TryGetProperty("parameters", out var parameters))
        {
            return [];
        }

        return parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToList();
    }

    private static string Fill(string template, Dictionary<string, string> args) =>
        args.Aggregate(template, (path, arg) => path.Replace($"{{{arg.Key}}}", arg.Value, StringComparison.Ordinal));

    private static string Query(IEnumerable<(string Name, string Value)> query) =>
        string.Join('&', query.Select(q => $"{Uri.EscapeDataString(q.Name)}={(q.Value.Contains('%', StringComparison.Ordinal) ? q.Value : Uri.EscapeDataString(q.Value))}"));

    private static string Clip(string text, int length = 300) => text.Length <= length ? text : text[..length] + "…";
}

public sealed class SqliteMalformedInputSuiteTests() : MalformedInputSuiteTests(StorageProvider.Sqlite);

public sealed class PostgresMalformedInputSuiteTests() : MalformedInputSuiteTests(StorageProvider.Postgres);
