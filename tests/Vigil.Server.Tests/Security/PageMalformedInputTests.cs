using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Storage;
using Vigil.Storage.Users;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 10: the dashboard's pages get the API's malformed-input treatment. Every page and
/// dashboard data endpoint the server maps (found from its endpoints, so a new page is covered
/// without a change here) is requested by a signed-in admin with hostile path values and every
/// query parameter a page reads set to hostile values; every form handler is posted hostile
/// fields and oversized forms. Every answer is below 500, and a 4xx is a page (HTML) or, for
/// the JSON data endpoints, a problem.
/// </summary>
public abstract class PageMalformedInputTests(StorageProvider provider) : ServerTestBase(provider)
{
    // Every query parameter a page or data endpoint reads.
    private static readonly string[] QueryNames =
    [
        "range", "from", "to", "step", "agg", "metric", "labels", "exact", "rule", "severity", "status",
        "channel", "limit", "since", "returnUrl", "token", "handler", "v",
        "state", "service", "release", "query", "sort", "offset", "route", "minDurationMs",
    ];

    // Query values also sent alone, one parameter at a time (already URL-encoded).
    private static readonly string[] AloneQueryValues = ["", "-1", "%00", "%ED%A0%80", "9999-12-31T23:59:59Z", new string('a', 10_000)];

    // Form values, already URL-encoded.
    private static readonly string[] FormValues =
    [
        "", "x", "-1", "99999999999999999999", "%00", "%ED%A0%80", "%F0%9F%98%80", "%27%20OR%201%3D1--",
        "%0D%0Aset-cookie:x", "admin", "viewer", new string('a', 10_000),
    ];

    private static readonly (string Path, string[] Fields)[] Forms =
    [
        ("/login", ["userName", "password", "returnUrl"]),
        ("/setup", ["token", "userName", "password", "confirmation"]),
        ("/users?handler=create", ["userName", "password", "confirmation", "role"]),
        ("/users?handler=role", ["id", "role"]),
        ("/users?handler=password", ["id", "password", "confirmation"]),
        ("/users?handler=unlock", ["id"]),
        ("/users?handler=delete", ["id"]),
        ("/users?handler=nonsense", ["id"]),
        ("/account?handler=password", ["current", "password", "confirmation"]),
        ("/issues/iss_00000000000000000000?handler=state", ["state"]),
    ];

    [Fact]
    public async Task EveryPage_MalformedInput_FriendlyPageNeverServerError()
    {
        // The public status page is on, so it is among the pages sent hostile input.
        var settings = VigilApp.ManualPasses();
        settings["Vigil:StatusPage:Enabled"] = "true";
        await using var app = StartApp(settings: settings);
        var browser = await DashboardSession.SignInAsync(app);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var sent = 0;

        async Task CheckAsync(string what, HttpRequestMessage request)
        {
            using (request)
            using (var response = await browser.SendAsync(request))
            {
                Interlocked.Increment(ref sent);
                var status = (int)response.StatusCode;
                var type = response.Content.Headers.ContentType?.MediaType;
                if (status >= 500)
                {
                    failures.Enqueue($"{what}: {status} {Clip(await response.Content.ReadAsStringAsync())}");
                }
                else if (status >= 400 && type is not ("text/html" or "application/problem+json"))
                {
                    failures.Enqueue($"{what}: {status} with {type ?? "no content type"}");
                }
            }
        }

        var endpoints = DashboardEndpoints(app);
        Assert.Contains(endpoints, e => e.RawText == "/alerts/{id}");
        Assert.Contains(endpoints, e => e.RawText!.StartsWith("/ui/data/", StringComparison.Ordinal));
        Assert.Contains(endpoints, e => e.RawText == "/status");
        Assert.Contains(endpoints, e => e.RawText == "/issues/{id}");
        Assert.Contains(endpoints, e => e.RawText == "/traces/{traceId}");
        // The GETs change nothing: they go four at a time (thousands of them; on PostgreSQL one
        // after the other took minutes).
        var gets = new List<(string What, string Path)>();
        foreach (var pattern in endpoints)
        {
            var plain = Fill(pattern, _ => "x");
            foreach (var parameter in pattern.Parameters)
            {
                foreach (var value in MalformedInput.PathValues)
                {
                    gets.Add(($"GET {pattern.RawText} {parameter.Name}={Clip(value, 40)}", Fill(pattern, p => p == parameter.Name ? value : "x")));
                }
            }

            // Every hostile value in every parameter at once (the pages' parsers report all their
            // fields), then the most hostile ones alone in each parameter.
            foreach (var value in MalformedInput.QueryValues)
            {
                var all = string.Join('&', QueryNames.Select(name => $"{name}={value}"));
                gets.Add(($"GET {pattern.RawText}?(every parameter)={Clip(value, 40)}", $"{plain}?{all}"));
            }

            foreach (var name in QueryNames)
            {
                foreach (var value in AloneQueryValues)
                {
                    gets.Add(($"GET {pattern.RawText}?{name}={Clip(value, 40)}", $"{plain}?{name}={value}"));
                }

                gets.Add(($"GET {pattern.RawText}?{name} twice", $"{plain}?{name}=1h&{name}=2h"));
            }
        }

        await Parallel.ForEachAsync(gets, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (get, _) => await CheckAsync(get.What, new(HttpMethod.Get, get.Path)));

        foreach (var (path, fields) in Forms)
        {
            // Antiforgery tokens belong to the signed-in user: take one from a page the admin sees.
            var token = await DashboardSession.FormTokenAsync(browser, "/users");
            foreach (var field in fields)
            {
                foreach (var value in FormValues)
                {
                    var body = string.Join('&', fields.Select(f => f == field ? $"{f}={value}" : $"{f}=x").Append($"__RequestVerificationToken={Uri.EscapeDataString(token)}"));
                    await CheckAsync($"POST {path} {field}={Clip(value, 40)}", DashboardSession.Form(path, body));
                }
            }

            // Oversized forms: too many fields, a too-long value, a body that is not a form.
            var manyFields = string.Join('&', Enumerable.Range(0, 5_000).Select(i => $"f{i}=x")) + $"&__RequestVerificationToken={Uri.EscapeDataString(token)}";
            await CheckAsync($"POST {path} 5000 fields", DashboardSession.Form(path, manyFields));
            await CheckAsync($"POST {path} 5 MB value", DashboardSession.Form(path, $"__RequestVerificationToken={Uri.EscapeDataString(token)}&{fields[0]}={new string('a', 5 << 20)}"));
            await CheckAsync($"POST {path} not a form", DashboardSession.Form(path, "%%%&&==%zz"));
            await CheckAsync($"POST {path} without a token", DashboardSession.Form(path, string.Join('&', fields.Select(f => $"{f}=x"))));
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n" + string.Join('\n', failures.Take(40)));
        Assert.True(sent > 2_000, $"only {sent} requests were sent");

        // The session and the data are intact: the admin is still signed in and still the only account.
        using var users = await browser.GetAsync("/users");
        Assert.Equal(HttpStatusCode.OK, users.StatusCode);
        var accounts = await app.Services.GetRequiredService<UserRepository>().ListAsync();
        Assert.Equal("admin", Assert.Single(accounts).UserName);
    }

    [Fact]
    public async Task UnhandledErrorOnAPage_AnHtmlErrorPage_TheApiStillAnswersProblemJson()
    {
        // The public status page is on, so it is among the pages sent hostile input.
        var settings = VigilApp.ManualPasses();
        settings["Vigil:StatusPage:Enabled"] = "true";
        await using var app = StartApp(settings: settings);
        var browser = await DashboardSession.SignInAsync(app);

        // A broken database under the keys page (its table is gone): the error escapes the page.
        var database = app.Services.GetRequiredService<Database>();
        await using (var connection = await database.OpenAsync())
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "ALTER TABLE api_keys RENAME TO api_keys_gone";
            await command.ExecuteNonQueryAsync();
        }

        using var page = await browser.GetAsync("/keys");
        Assert.True((int)page.StatusCode >= 500, $"expected a server error, got {page.StatusCode}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Back to the overview", html, StringComparison.Ordinal);
        Assert.DoesNotContain("api_keys", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", html, StringComparison.Ordinal);
        Assert.True(page.Headers.Contains("Content-Security-Policy"));

        using var apiResponse = await browser.GetAsync("/api/v1/keys");
        Assert.True((int)apiResponse.StatusCode >= 500);
        Assert.Equal("application/problem+json", apiResponse.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>The routes of the dashboard's pages and data endpoints (the API has its own suite).</summary>
    private static List<RoutePattern> DashboardEndpoints(VigilApp app) =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null
                || e.RoutePattern.RawText?.StartsWith("/ui/", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } methods || methods.HttpMethods.Contains("GET"))
            .Select(e => RoutePatternFactory.Parse("/" + e.RoutePattern.RawText!.TrimStart('/')))
            .DistinctBy(p => p.RawText)
            .ToList();

    private static string Fill(RoutePattern pattern, Func<string, string> value)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternParameterPart parameter => value(parameter.Name),
                    RoutePatternSeparatorPart separator => separator.Content,
                    _ => "",
                });
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    private static string Clip(string text, int length = 300) => text.Length <= length ? text : text[..length] + "…";

}

public sealed class SqlitePageMalformedInputTests() : PageMalformedInputTests(StorageProvider.Sqlite);

public sealed class PostgresPageMalformedInputTests() : PageMalformedInputTests(StorageProvider.Postgres);
