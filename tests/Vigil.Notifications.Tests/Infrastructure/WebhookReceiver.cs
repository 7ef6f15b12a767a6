using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vigil.Notifications.Tests.Infrastructure;

/// <summary>A request the receiver got, with its headers, raw body and what it answered.</summary>
internal sealed record ReceivedWebhook(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int Status, bool? SignatureValid)
{
    public string Text => Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}

/// <summary>How the receiver answers one request.</summary>
/// <remarks>With <paramref name="EchoHeaders"/> the body is the request's headers, one <c>name: value</c> a line (a receiver that echoes what it got).</remarks>
internal sealed record ScriptedAnswer(int Status, IReadOnlyDictionary<string, string>? Headers = null, string? Body = null, TaskCompletionSource? HoldUntil = null, bool EchoHeaders = false);

/// <summary>
/// A real Kestrel server on 127.0.0.1 that records every request and answers 200, unless scripted:
/// fail the next N requests, answer 410 or 429 with Retry-After, redirect, or hold a request until
/// released (a slow receiver). Given a Standard Webhooks secret, it checks each signature itself.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(15);

    private readonly Lock _lock = new();
    private readonly List<ReceivedWebhook> _requests = [];
    private readonly Queue<ScriptedAnswer> _script = new();
    private readonly List<(int Count, TaskCompletionSource Source)> _arrivals = [];
    private int _arrived;
    private int _inFlight;
    private WebApplication? _app;

    private WebhookReceiver()
    {
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Gets the most requests this receiver held at the same time.</summary>
    public int MaxInFlight { get; private set; }

    /// <summary>Gets or sets how long every request waits before it is answered (real time: a slow receiver).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>Gets or sets the Standard Webhooks secret to verify signatures with.</summary>
    public string? Secret { get; set; }

    public IReadOnlyList<ReceivedWebhook> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address);
        receiver._app = app;
        return receiver;
    }

    /// <summary>A port on 127.0.0.1 where nothing listens.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public Uri Url(string path = "/hook") => new(BaseAddress, path);

    public void Enqueue(ScriptedAnswer answer)
    {
        lock (_lock)
        {
            _script.Enqueue(answer);
        }
    }

    public void FailNext(int count, int status = 503)
    {
        for (int i = 0; i < count; i++)
        {
            Enqueue(new ScriptedAnswer(status));
        }
    }

    /// <summary>Waits (bounded by <paramref name="timeout"/>, 15 s when not given, real time) until <paramref name="count"/> requests have arrived, answered or not.</summary>
    public Task WaitForArrivalsAsync(int count, TimeSpan? timeout = null)
    {
        lock (_lock)
        {
            if (_arrived >= count)
            {
                return Task.CompletedTask;
            }

            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _arrivals.Add((count, source));
            return source.Task.WaitAsync(timeout ?? WaitTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        byte[] body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());

        ScriptedAnswer answer;
        lock (_lock)
        {
            answer = _script.Count > 0 ? _script.Dequeue() : new ScriptedAnswer(200);
            _arrived++;
            _inFlight++;
            MaxInFlight = Math.Max(MaxInFlight, _inFlight);
            foreach (var waiter in _arrivals.Where(w => w.Count <= _arrived).ToList())
            {
                waiter.Source.TrySetResult();
                _arrivals.Remove(waiter);
            }
        }

        if (answer.HoldUntil is { } hold)
        {
            try
            {
                await hold.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Leave();
                Record(new ReceivedWebhook(context.Request.Method, context.Request.Path, headers, body, 0, Verify(headers, body)));
                return;
            }
        }

        if (Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(Delay, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                Leave();
                Record(new ReceivedWebhook(context.Request.Method, context.Request.Path, headers, body, 0, Verify(headers, body)));
                return;
            }
        }

        // Before answering: once the sender has the answer it may send the next request.
        Leave();
        Record(new ReceivedWebhook(context.Request.Method, context.Request.Path, headers, body, answer.Status, Verify(headers, body)));
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (answer.EchoHeaders)
        {
            await context.Response.WriteAsync(string.Join('\n', headers.Select(h => $"{h.Key}: {h.Value}")));
        }
        else if (answer.Body is not null)
        {
            await context.Response.WriteAsync(answer.Body);
        }
    }

    private void Leave()
    {
        lock (_lock)
        {
            _inFlight--;
        }
    }

    /// <summary>
    /// Waits until the recorded (answered) requests satisfy <paramref name="condition"/>, checked
    /// at each new request, not polled; fails after <paramref name="timeout"/> (a sender in
    /// another process on a loaded machine may need a minute or more).
    /// </summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitUntilAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, TimeSpan timeout)
    {
        var met = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (condition(Requests))
            {
                met.TrySetResult();
            }
        }

        Recorded += Check;
        try
        {
            Check();
            try
            {
                await met.Task.WaitAsync(timeout);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"The receiver's requests did not reach the expected state in {timeout}; {Requests.Count} recorded.");
            }

            return Requests;
        }
        finally
        {
            Recorded -= Check;
        }
    }

    private event Action? Recorded;

    private void Record(ReceivedWebhook request)
    {
        lock (_lock)
        {
            _requests.Add(request);
        }

        Recorded?.Invoke();
    }

    /// <summary>Checks a Standard Webhooks signature the way a receiver would, independently of the sender's code.</summary>
    private bool? Verify(Dictionary<string, string> headers, byte[] body)
    {
        if (Secret is null)
        {
            return null;
        }

        if (!headers.TryGetValue("webhook-id", out var id) || !headers.TryGetValue("webhook-timestamp", out var timestamp)
            || !headers.TryGetValue("webhook-signature", out var signatures))
        {
            return false;
        }

        byte[] key = Secret.StartsWith("whsec_", StringComparison.Ordinal) ? Convert.FromBase64String(Secret[6..]) : Encoding.UTF8.GetBytes(Secret);
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{id}.{timestamp}."), .. body];
        string expected = Convert.ToBase64String(HMACSHA256.HashData(key, signed));
        return signatures.Split(' ').Any(s => s.StartsWith("v1,", StringComparison.Ordinal)
            && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(s[3..]), Encoding.ASCII.GetBytes(expected)));
    }
}
