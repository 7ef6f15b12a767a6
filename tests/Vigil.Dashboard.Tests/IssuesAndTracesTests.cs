using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Dashboard.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Vigil.Dashboard.Tests;

/// <summary>
/// Issue 15, item 5: error tracking and traces on the dashboard, in a real Chromium. Data goes in
/// through the real ingest protocols with an ingest key (a Sentry store event, an OTLP/JSON traces
/// export); the pages show the issue with its stack trace and change its state, and a trace as a
/// waterfall whose bars are nested and proportional to time.
/// </summary>
public sealed class IssuesAndTracesTests(AdminServerFixture fixture) : IClassFixture<AdminServerFixture>
{
    private const long Ms = 1_000_000; // nanoseconds

    private DashboardServer Server => fixture.Server;

    [Fact]
    public async Task Issue_SentryEvent_ListedWithItsStackLinkedToItsTraceAndResolved()
    {
        // Arrange: a Sentry event in trace T (with a user, which must never show), and trace T's spans.
        var ingest = await Server.ApiWithRoleAsync("ingest");
        var trace = Hex(0x15a, 32);
        var t0 = Nanos(DateTimeOffset.UtcNow.AddSeconds(-5));
        await ExportAsync(ingest, "dash-shop", trace,
            Span(trace, Hex(1, 16), null, "POST /orders", 2, t0, 40, ("http.route", "/orders"), ("http.request.method", "POST")),
            Span(trace, Hex(2, 16), Hex(1, 16), "place order", 1, t0 + (5 * Ms), 20, error: "Order 42 not found"));
        var issueId = await StoreEventAsync(ingest, "dash-shop", Hex(0xe1, 32), trace);
        var api = Server.Api();

        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Issue_SentryEvent_ListedWithItsStackLinkedToItsTraceAndResolved), async () =>
        {
            // Act: the list, searched.
            await page.GotoAsync("/issues?query=orderservice");

            // Assert: one line with its title, culprit, counts, last two hours and release.
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Issues" })).ToHaveAttributeAsync("aria-current", "page");
            var row = page.Locator($"#issues tr[data-issue-id='{issueId}']");
            await Expect(row.Locator("th a")).ToHaveTextAsync("System.InvalidOperationException: Order 42 not found");
            await Expect(row.Locator(".culprit")).ToHaveTextAsync("DashShop.Orders.OrderService in Place");
            await Expect(row.Locator("td").Nth(0)).ToHaveTextAsync("unresolved");
            await Expect(row.Locator("svg.spark path.spark-line")).ToHaveCountAsync(1);
            await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync("1"); // events
            await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync("1"); // users
            await Expect(row.Locator("td").Nth(7)).ToHaveTextAsync("dash-shop@2.0.0");
            await page.GotoAsync("/issues?query=no-such-culprit");
            await Expect(page.Locator("p.empty")).ToHaveTextAsync("No issue matches these filters.");

            // The issue's page: the stack, most recent call first, the application's frames highlighted and the library's folded.
            await page.GotoAsync("/issues");
            await page.Locator($"#issues tr[data-issue-id='{issueId}'] th a").ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync("System.InvalidOperationException: Order 42 not found");
            var inApp = page.Locator("#frames > li.frame-app");
            await Expect(inApp).ToHaveCountAsync(2);
            await Expect(inApp.Nth(0)).ToContainTextAsync("DashShop.Orders.OrderService.Place");
            await Expect(inApp.Nth(0)).ToContainTextAsync("OrderService.cs:120");
            await Expect(inApp.Nth(1)).ToContainTextAsync("DashShop.Orders.OrdersController.Post");
            var library = page.Locator("#frames > li.frame-run");
            await Expect(library.Locator("summary")).ToHaveTextAsync("2 library frames");
            await Expect(library.Locator("li.frame-lib").First).ToBeHiddenAsync();
            await library.Locator("summary").ClickAsync();
            await Expect(library.Locator("li.frame-lib").First).ToContainTextAsync("ActionMethodExecutor.Execute");
            await Expect(page.Locator("#issue-tags tr[data-tag='region'] td")).ToHaveTextAsync("eu");
            await Expect(page.Locator("#issue-routes tbody tr td").First).ToHaveTextAsync("POST /orders");
            await Expect(page.Locator("#issue-releases tbody tr td").First).ToHaveTextAsync("dash-shop@2.0.0");
            await Expect(page.Locator("#timeline-recent rect.bar")).ToHaveCountAsync(1);
            await Expect(page.Locator("#issue-events tbody tr")).ToHaveCountAsync(1);
            Assert.DoesNotContain("alice", await page.ContentAsync(), StringComparison.OrdinalIgnoreCase);

            // Linked to its trace, which links back.
            await page.Locator("#issue-trace").ClickAsync();
            await Expect(page.Locator("h1")).ToHaveTextAsync("POST /orders");
            await Expect(page.Locator("#trace-issues a")).ToHaveTextAsync("System.InvalidOperationException: Order 42 not found");
            await page.Locator("#trace-issues a").ClickAsync();

            // Resolve: the state changes (as the API sees it too) and the default list no longer shows it.
            await page.GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
            await Expect(page.Locator("#issue-state")).ToHaveTextAsync("resolved");
            await Expect(page.Locator("p.flash")).ToHaveTextAsync("The issue is resolved.");
            Assert.Equal("resolved", (await api.GetFromJsonAsync<JsonElement>($"/api/v1/issues/{issueId}")).GetProperty("state").GetString());
            await page.GotoAsync("/issues?service=dash-shop");
            await Expect(page.Locator($"#issues tr[data-issue-id='{issueId}']")).ToHaveCountAsync(0);
            await page.GotoAsync("/issues?service=dash-shop&state=resolved");
            await page.Locator($"#issues tr[data-issue-id='{issueId}'] th a").ClickAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Unresolve" }).ClickAsync();
            await Expect(page.Locator("#issue-state")).ToHaveTextAsync("unresolved");
        });
    }

    [Fact]
    public async Task Issue_Viewer_SeesNoActions_AndAForgedStateChangeIsRefused()
    {
        // Arrange: an issue, and a viewer signed in.
        var issueId = await StoreEventAsync(await Server.ApiWithRoleAsync("ingest"), "dash-viewer", Hex(0xe2, 32), Hex(0x15b, 32));
        var admin = await Server.NewPageAsync();
        var page = await Server.NewPageAsync(signedIn: false);
        await DashboardServer.RunAsync(page, nameof(Issue_Viewer_SeesNoActions_AndAForgedStateChangeIsRefused), async () =>
        {
            await UsersTests.AddUserAsync(admin, "ivy", "viewer password 2", "viewer");
            await page.GotoAsync("/login");
            await page.GetByLabel("User name").FillAsync("ivy");
            await page.GetByLabel("Password").FillAsync("viewer password 2");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();

            // Act: the issue's page, then a state change posted from the viewer's session with a valid antiforgery token.
            await page.GotoAsync($"/issues/{issueId}");
            await Expect(page.Locator("#frames > li.frame-app")).ToHaveCountAsync(2);
            await Expect(page.Locator("form[method=post]:not(.signout)")).ToHaveCountAsync(0);
            var token = await page.Locator("meta[name=vigil-csrf]").GetAttributeAsync("content");
            var form = page.APIRequest.CreateFormData();
            form.Set("state", "resolved");
            form.Set("__RequestVerificationToken", token!);
            var forged = await page.APIRequest.PostAsync($"/issues/{issueId}?handler=State", new() { Form = form, MaxRedirects = 0 });

            // Assert: refused, and the issue is unchanged.
            Assert.NotEqual((int)HttpStatusCode.OK, forged.Status);
            Assert.NotEqual("/issues/" + issueId, forged.Headers.GetValueOrDefault("location"));
            var issue = await Server.Api().GetFromJsonAsync<JsonElement>($"/api/v1/issues/{issueId}");
            Assert.Equal("unresolved", issue.GetProperty("state").GetString());
        });
    }

    [Fact]
    public async Task Trace_OtlpExport_WaterfallNestsChildrenWithBarsProportionalToTime()
    {
        // Arrange: a 200 ms request; its query from 50 ms to 150 ms; under it a failed 20 ms call from 60 ms.
        var ingest = await Server.ApiWithRoleAsync("ingest");
        var trace = Hex(0xa7e, 32);
        var (root, query, call) = (Hex(0x11, 16), Hex(0x12, 16), Hex(0x13, 16));
        var t0 = Nanos(DateTimeOffset.UtcNow.AddSeconds(-5));
        await ExportAsync(ingest, "dash-checkout", trace,
            Span(trace, root, null, "GET /checkout", 2, t0, 200, ("http.route", "/checkout"), ("http.request.method", "GET")),
            Span(trace, query, root, "orders", 3, t0 + (50 * Ms), 100, ("db.system", "postgresql"), ("db.statement", "SELECT * FROM orders WHERE id = 42")),
            Span(trace, call, query, "load lines", 1, t0 + (60 * Ms), 20, error: "no lines"));

        var page = await Server.NewPageAsync();
        await DashboardServer.RunAsync(page, nameof(Trace_OtlpExport_WaterfallNestsChildrenWithBarsProportionalToTime), async () =>
        {
            // Act: the transactions, filtered, then the trace.
            await page.GotoAsync("/transactions?service=dash-checkout&minDurationMs=500");
            await Expect(page.Locator("p.empty")).ToHaveTextAsync("No kept transaction matches these filters.");
            await page.GotoAsync("/transactions?service=dash-checkout&range=1h");
            var row = page.Locator($"#transactions tr[data-trace-id='{trace}']");
            await Expect(row.Locator("th a")).ToHaveTextAsync("GET /checkout");
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Performance" })).ToHaveAttributeAsync("aria-current", "page");
            await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("200 ms");
            await row.Locator("th a").ClickAsync();

            // Assert: the spans in tree order, each under its parent.
            var rows = page.Locator("#waterfall > li.wf-row");
            await Expect(rows).ToHaveCountAsync(3);
            await Expect(rows.Nth(0)).ToHaveAttributeAsync("data-span-id", root);
            await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-parent-span-id", root);
            await Expect(rows.Nth(1)).ToHaveAttributeAsync("data-depth", "1");
            await Expect(rows.Nth(1).Locator(".wf-label")).ToHaveTextAsync("SELECT orders");
            await Expect(rows.Nth(2)).ToHaveAttributeAsync("data-parent-span-id", query);
            await Expect(rows.Nth(2)).ToHaveAttributeAsync("data-depth", "2");
            await Expect(rows.Nth(2)).ToHaveClassAsync("wf-row wf-error");
            await Expect(rows.Nth(2).Locator("summary")).ToContainTextAsync("error");

            // Indented under its parent, and bars proportional to time as laid out in the browser.
            var nameX = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => rows.Nth(i).Locator(".wf-kind").BoundingBoxAsync()));
            Assert.True(nameX[0]!.X < nameX[1]!.X && nameX[1]!.X < nameX[2]!.X, "each child's name is indented further than its parent's");
            var bars = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => rows.Nth(i).Locator("rect.wf-bar").BoundingBoxAsync()));
            var (whole, left) = (bars[0]!.Width, bars[0]!.X);
            Assert.True(whole > 100, $"the root's bar is {whole} px wide");
            Assert.Equal(0.5, bars[1]!.Width / whole, 0.02);          // 100 of 200 ms
            Assert.Equal(0.25, (bars[1]!.X - left) / whole, 0.02);    // starts at 50 ms
            Assert.Equal(0.1, bars[2]!.Width / whole, 0.02);          // 20 ms
            Assert.Equal(0.3, (bars[2]!.X - left) / whole, 0.02);     // starts at 60 ms

            // A span's attributes on click: the statement normalised, its values never shown.
            await Expect(rows.Nth(1).Locator(".wf-attributes")).ToBeHiddenAsync();
            await rows.Nth(1).Locator("summary").ClickAsync();
            await Expect(rows.Nth(1).Locator(".wf-attributes")).ToContainTextAsync("SELECT * FROM orders WHERE id = ?");
            Assert.DoesNotContain("id = 42", await page.ContentAsync(), StringComparison.Ordinal);
            await rows.Nth(2).Locator("summary").ClickAsync();
            await Expect(rows.Nth(2).Locator(".wf-status")).ToHaveTextAsync("status: no lines");
        });
    }

    /// <summary>
    /// Sends a Sentry store event (an exception with two library and two in-app frames, user
    /// <c>alice@example.com</c>, in <paramref name="trace"/>; an issue per service) with the ingest key; returns its issue's id.
    /// </summary>
    private async Task<string> StoreEventAsync(HttpClient ingest, string service, string eventId, string trace)
    {
        var sentry = $$$"""
            {"event_id":"{{{eventId}}}","level":"error","platform":"csharp","release":"{{{service}}}@2.0.0","transaction":"POST /orders",
             "tags":{"service":"{{{service}}}","region":"eu"},"user":{"id":"alice@example.com"},"fingerprint":["{{ default }}","{{{service}}}"],
             "contexts":{"trace":{"trace_id":"{{{trace}}}","span_id":"{{{Hex(2, 16)}}}"}},
             "exception":{"values":[{"type":"System.InvalidOperationException","value":"Order 42 not found",
               "stacktrace":{"frames":[
                 {"module":"Microsoft.AspNetCore.Routing.EndpointMiddleware","function":"Invoke","lineno":10,"in_app":false},
                 {"module":"Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor","function":"Execute","lineno":20,"in_app":false},
                 {"module":"DashShop.Orders.OrdersController","function":"Post","lineno":31,"in_app":true},
                 {"module":"DashShop.Orders.OrderService","function":"Place","filename":"OrderService.cs","lineno":120,"in_app":true}]}}]}}
            """;
        using (var stored = await ingest.PostAsync("/api/1/store/", new StringContent(sentry, Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        }

        var listed = await Server.Api().GetFromJsonAsync<JsonElement>($"/api/v1/issues?service={service}");
        return Assert.Single(listed.GetProperty("issues").EnumerateArray()).GetProperty("id").GetString()!;
    }

    private static string Hex(int n, int digits) => n.ToString("x" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static long Nanos(DateTimeOffset at) => at.ToUnixTimeMilliseconds() * Ms;

    /// <summary>An OTLP/JSON span (kind: 1 internal, 2 server, 3 client), failed with <paramref name="error"/> as its status message when given.</summary>
    private static object Span(string trace, string id, string? parent, string name, int kind, long startNs, int durationMs, params (string Key, string Value)[] attributes) =>
        Span(trace, id, parent, name, kind, startNs, durationMs, null, attributes);

    private static object Span(string trace, string id, string? parent, string name, int kind, long startNs, int durationMs, string? error, params (string Key, string Value)[] attributes)
    {
        var span = new Dictionary<string, object>
        {
            ["traceId"] = trace,
            ["spanId"] = id,
            ["name"] = name,
            ["kind"] = kind,
            ["startTimeUnixNano"] = startNs.ToString(CultureInfo.InvariantCulture),
            ["endTimeUnixNano"] = (startNs + (durationMs * Ms)).ToString(CultureInfo.InvariantCulture),
            ["attributes"] = attributes.Select(a => new { key = a.Key, value = new { stringValue = a.Value } }).ToArray(),
            ["status"] = error is null ? new { code = 1 } : new { code = 2, message = error },
        };
        if (parent is not null)
        {
            span["parentSpanId"] = parent;
        }

        return span;
    }

    /// <summary>Exports the spans of one trace of <paramref name="service"/> over OTLP/JSON with the ingest key, and checks the trace is kept whole.</summary>
    private async Task ExportAsync(HttpClient ingest, string service, string trace, params object[] spans)
    {
        var export = new
        {
            resourceSpans = new[]
            {
                new
                {
                    resource = new { attributes = new[] { new { key = "service.name", value = new { stringValue = service } } } },
                    scopeSpans = new[] { new { spans } },
                },
            },
        };
        using var response = await ingest.PostAsJsonAsync("/v1/traces", export);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var kept = await Server.Api().GetFromJsonAsync<JsonElement>($"/api/v1/traces/{trace}");
        Assert.Equal(spans.Length, kept.GetProperty("spanCount").GetInt32());
    }
}
