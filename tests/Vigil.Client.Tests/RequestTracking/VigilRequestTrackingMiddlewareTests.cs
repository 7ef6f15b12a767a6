using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vigil.Client.Tests.Infrastructure;

namespace Vigil.Client.Tests.RequestTracking;

public sealed class VigilRequestTrackingMiddlewareTests : IAsyncLifetime
{
    private readonly ObservableTimeProvider _time = new();
    private readonly InvalidOperationException _boom = new("boom");
    private FakeVigilReceiver _receiver = null!;
    private WebApplication _app = null!;
    private HttpClient _http = null!;
    private Exception? _escaped;

    public async Task InitializeAsync()
    {
        _receiver = await FakeVigilReceiver.StartNewAsync();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<TimeProvider>(_time);
        builder.Services.AddVigilClient(o =>
        {
            o.Endpoint = _receiver.Endpoint;
            o.RequestTimeout = ClientHarness.TestRequestTimeout;
            o.FlushInterval = TimeSpan.FromHours(1);
        });
        _app = builder.Build();

        // Stands in for an exception handler: sees what escapes the tracking middleware.
        _app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception ex)
            {
                _escaped = ex;
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        });
        _app.UseVigilRequestTracking();
        _app.MapGet("/orders/{id}", (string id) =>
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            return Results.Ok(new { id });
        });
        _app.MapPost("api/orders", () => Results.StatusCode(StatusCodes.Status201Created));
        _app.MapGet("/orders/{id}/fail", (string id) => Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
        _app.MapGet("/boom", IResult () => throw _boom);

        await _app.StartAsync();
        _http = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task InvokeAsync_MatchedRoute_RecordsRouteTemplateNotRawPath()
    {
        await _http.GetAsync(new Uri("/orders/42", UriKind.Relative));
        await _http.GetAsync(new Uri("/orders/43", UriKind.Relative));

        var points = await FlushAndGetPointsAsync();

        Assert.Equal(2, points.Count);
        Assert.All(points, p =>
        {
            Assert.Equal("http_request_duration_ms", p.GetProperty("name").GetString());
            Assert.Equal("timing", p.GetProperty("type").GetString());
            Assert.Equal(
                new Dictionary<string, string?> { ["route"] = "/orders/{id}", ["method"] = "GET", ["status"] = "200" },
                Labels(p));
        });
        Assert.DoesNotContain(_receiver.Requests, r => r.Body.Contains("/orders/42", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvokeAsync_Request_RecordsDurationMeasuredWithTimeProvider()
    {
        await _http.GetAsync(new Uri("/orders/42", UriKind.Relative));

        var point = Assert.Single(await FlushAndGetPointsAsync());

        Assert.Equal(250, point.GetProperty("value").GetDouble());
    }

    [Fact]
    public async Task InvokeAsync_NoEndpointMatched_RecordsUnmatchedRouteAnd404()
    {
        await _http.GetAsync(new Uri("/wp-admin/install.php", UriKind.Relative));
        await _http.GetAsync(new Uri("/.env", UriKind.Relative));

        var points = await FlushAndGetPointsAsync();

        Assert.Equal(2, points.Count);
        Assert.All(points, p => Assert.Equal(
            new Dictionary<string, string?> { ["route"] = "unmatched", ["method"] = "GET", ["status"] = "404" },
            Labels(p)));
    }

    [Fact]
    public async Task InvokeAsync_TemplateWithoutLeadingSlash_RecordsItWithSlashAndResponseStatus()
    {
        await _http.PostAsync(new Uri("/api/orders", UriKind.Relative), content: null);
        await _http.GetAsync(new Uri("/orders/7/fail", UriKind.Relative));

        var points = await FlushAndGetPointsAsync();

        Assert.Equal(
            [
                new Dictionary<string, string?> { ["route"] = "/api/orders", ["method"] = "POST", ["status"] = "201" },
                new Dictionary<string, string?> { ["route"] = "/orders/{id}/fail", ["method"] = "GET", ["status"] = "503" },
            ],
            points.Select(Labels));
    }

    [Fact]
    public async Task InvokeAsync_ExceptionEscapes_Records500AndRethrowsTheSameException()
    {
        var response = await _http.GetAsync(new Uri("/boom", UriKind.Relative));

        var point = Assert.Single(await FlushAndGetPointsAsync());

        Assert.Same(_boom, _escaped);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(
            new Dictionary<string, string?> { ["route"] = "/boom", ["method"] = "GET", ["status"] = "500" },
            Labels(point));
    }

    [Fact]
    public async Task InvokeAsync_NonStandardMethod_RecordsOtherToBoundCardinality()
    {
        using var request = new HttpRequestMessage(new HttpMethod("SCAN"), new Uri("/orders/1", UriKind.Relative));
        await _http.SendAsync(request);

        var point = Assert.Single(await FlushAndGetPointsAsync());

        Assert.Equal("OTHER", Labels(point)["method"]);
    }

    [Fact]
    public async Task UseVigilRequestTracking_WithoutAddVigilClient_ThrowsNamingAddVigilClient()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        await using var app = builder.Build();

        var exception = Assert.Throws<InvalidOperationException>(() => app.UseVigilRequestTracking());

        Assert.Contains("AddVigilClient", exception.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Labels(JsonElement point)
        => point.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());

    private async Task<IReadOnlyList<JsonElement>> FlushAndGetPointsAsync()
    {
        await _app.Services.GetRequiredService<IVigilClient>().FlushAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        return _receiver.AcceptedPoints();
    }
}
