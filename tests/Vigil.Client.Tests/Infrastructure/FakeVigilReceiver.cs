using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vigil.Client.Tests.Infrastructure;

/// <summary>A request the fake Vigil server received, and what it answered.</summary>
internal sealed record ReceivedRequest(string Path, string? Authorization, string? ContentType, string Body, int Status)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public bool Accepted => Status == StatusCodes.Status202Accepted;
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 speaking the Vigil ingestion API: records every batch it gets and
/// answers 202, unless told to fail the next requests (503, 429 with Retry-After, 400 problem details...).
/// It can also be created down (its port reserved, nothing listening) and started later.
/// </summary>
internal sealed class FakeVigilReceiver : IAsyncDisposable
{
    public const string MetricsPath = "/api/v1/metrics";
    public const string JobsPath = "/api/v1/jobs/executions";
    public const string TracesPath = "/v1/traces";
    public const string EnvelopePath = "/api/0/envelope/";

    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private readonly List<ReceivedRequest> _requests = [];
    private readonly Queue<ScriptedResponse> _script = new();
    private readonly List<(int Count, TaskCompletionSource Source)> _waiters = [];
    private readonly int _port;
    private WebApplication? _app;

    private FakeVigilReceiver(int port)
    {
        _port = port;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
    }

    /// <summary>Gets the base address to give the client.</summary>
    public Uri Endpoint { get; private set; }

    public IReadOnlyList<ReceivedRequest> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts a receiver on a free port.</summary>
    public static async Task<FakeVigilReceiver> StartNewAsync()
    {
        var receiver = new FakeVigilReceiver(0);
        await receiver.StartAsync();
        return receiver;
    }

    /// <summary>Creates a receiver that is down: its address is known but nothing listens until <see cref="StartAsync"/>.</summary>
    public static FakeVigilReceiver CreateDown()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new FakeVigilReceiver(port);
    }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Urls.Add($"http://127.0.0.1:{_port}");
        app.MapPost(MetricsPath, HandleAsync);
        app.MapPost(JobsPath, HandleAsync);
        app.MapPost(TracesPath, HandleAsync);
        app.MapPost(EnvelopePath, HandleAsync);
        app.MapFallback(HandleUnknownPath);
        await app.StartAsync();

        // Kestrel replaces port 0 with the port it bound.
        Endpoint = new Uri(app.Urls.Single());
        _app = app;
    }

    /// <summary>Answers the next <paramref name="times"/> requests with <paramref name="status"/> instead of accepting them.</summary>
    public void FailNext(int times, int status = StatusCodes.Status503ServiceUnavailable, TimeSpan? retryAfter = null)
    {
        lock (_lock)
        {
            for (int i = 0; i < times; i++)
            {
                _script.Enqueue(new ScriptedResponse(status, retryAfter, null));
            }
        }
    }

    /// <summary>Rejects the next request with <paramref name="status"/> and a problem details body, as Vigil does for a bad batch.</summary>
    public void RejectNext(int status, string detail)
    {
        string problem = JsonSerializer.Serialize(new { type = "about:blank", title = "Invalid batch", status, detail });
        lock (_lock)
        {
            _script.Enqueue(new ScriptedResponse(status, null, problem));
        }
    }

    /// <summary>Waits (a bounded real-time wait for the HTTP round trip) until at least <paramref name="count"/> requests arrived.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForRequestsAsync(int count)
    {
        TaskCompletionSource source;
        lock (_lock)
        {
            if (_requests.Count >= count)
            {
                return [.. _requests];
            }

            source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, source));
        }

        await source.Task.WaitAsync(WaitTimeout);
        return Requests;
    }

    /// <summary>The metric points of every accepted metrics batch, in the order received.</summary>
    public IReadOnlyList<JsonElement> AcceptedPoints() => Requests
        .Where(r => r.Accepted && r.Path == MetricsPath)
        .SelectMany(r => r.Json.GetProperty("points").EnumerateArray())
        .ToList();

    /// <summary>The job executions of every accepted jobs batch, in the order received.</summary>
    public IReadOnlyList<JsonElement> AcceptedExecutions() => Requests
        .Where(r => r.Accepted && r.Path == JobsPath)
        .SelectMany(r => r.Json.GetProperty("executions").EnumerateArray())
        .ToList();

    /// <summary>The spans of every accepted traces export (OTLP/JSON), in the order received.</summary>
    public IReadOnlyList<JsonElement> AcceptedSpans() => Requests
        .Where(r => r.Accepted && r.Path == TracesPath)
        .SelectMany(r => r.Json.GetProperty("resourceSpans").EnumerateArray())
        .SelectMany(r => r.GetProperty("scopeSpans").EnumerateArray())
        .SelectMany(s => s.GetProperty("spans").EnumerateArray())
        .ToList();

    /// <summary>The error events of every accepted envelope: each item's header line, then its event on one line.</summary>
    public IReadOnlyList<JsonElement> AcceptedErrorEvents() => Requests
        .Where(r => r.Accepted && r.Path == EnvelopePath)
        .SelectMany(r => r.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where((_, i) => i % 2 == 1))
        .Select(line => JsonDocument.Parse(line).RootElement)
        .ToList();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    private async Task HandleUnknownPath(HttpContext context)
    {
        string body = await ReadBodyAsync(context);
        Record(context, body, StatusCodes.Status404NotFound);
        context.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task HandleAsync(HttpContext context)
    {
        string body = await ReadBodyAsync(context);

        ScriptedResponse response;
        lock (_lock)
        {
            response = _script.TryDequeue(out var scripted)
                ? scripted
                : new ScriptedResponse(StatusCodes.Status202Accepted, null, null);
        }

        Record(context, body, response.Status);

        context.Response.StatusCode = response.Status;
        if (response.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (response.Status == StatusCodes.Status202Accepted && context.Request.Path == EnvelopePath)
        {
            await context.Response.WriteAsJsonAsync(new { id = (string?)null }, context.RequestAborted);
        }
        else if (response.Status == StatusCodes.Status202Accepted)
        {
            using var document = JsonDocument.Parse(body);
            int accepted = document.RootElement.EnumerateObject().First().Value.GetArrayLength();
            await context.Response.WriteAsJsonAsync(new { accepted }, context.RequestAborted);
        }
        else if (response.ProblemBody is not null)
        {
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync(response.ProblemBody, context.RequestAborted);
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    private void Record(HttpContext context, string body, int status)
    {
        lock (_lock)
        {
            _requests.Add(new ReceivedRequest(
                context.Request.Path,
                context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth ? auth : null,
                context.Request.ContentType,
                body,
                status));
            foreach (var waiter in _waiters.Where(w => _requests.Count >= w.Count).ToList())
            {
                waiter.Source.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed record ScriptedResponse(int Status, TimeSpan? RetryAfter, string? ProblemBody);
}
