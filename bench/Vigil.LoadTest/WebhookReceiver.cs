using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Vigil.LoadTest;

/// <summary>One request a <see cref="WebhookReceiver"/> got.</summary>
/// <param name="ArrivedAt">Stopwatch timestamp when its body had been read.</param>
/// <param name="AnsweredAt">Stopwatch timestamp just before the 200 was written.</param>
/// <param name="WebhookId">The <c>webhook-id</c> header, or null.</param>
/// <param name="Group">The value of <see cref="WebhookReceiver.GroupLabel"/> in the body's <c>labels</c>, or null.</param>
/// <param name="Status">The body's <c>status</c> (firing, resolved, …), or null.</param>
internal readonly record struct ReceivedDelivery(long ArrivedAt, long AnsweredAt, string? WebhookId, string? Group, string? Status);

/// <summary>
/// A loopback webhook receiver (Kestrel on 127.0.0.1, port chosen by the OS) that holds every
/// request for <see cref="Delay"/> of real time before answering 200, like a slow destination,
/// and records when each arrived, its <c>webhook-id</c>, the alert group it is for, and the most
/// requests it held at once. Modelled on <c>tests/Vigil.Notifications.Tests/Infrastructure/WebhookReceiver.cs</c>.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<ReceivedDelivery> _deliveries = [];
    private readonly string _groupLabel;
    private readonly List<(Func<IReadOnlyList<ReceivedDelivery>, bool> Done, TaskCompletionSource Source)> _waiters = [];
    private WebApplication? _app;
    private int _inFlight;
    private int _maxInFlight;

    private WebhookReceiver(TimeSpan delay, string groupLabel)
    {
        Delay = delay;
        _groupLabel = groupLabel;
    }

    /// <summary>The address requests go to: <c>http://127.0.0.1:PORT/hook</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>How long every request is held before it is answered.</summary>
    public TimeSpan Delay { get; }

    /// <summary>The label of the alert's <c>labels</c> read into <see cref="ReceivedDelivery.Group"/>.</summary>
    public string GroupLabel => _groupLabel;

    /// <summary>The most requests held at the same time so far.</summary>
    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedDelivery> Deliveries
    {
        get
        {
            lock (_lock)
            {
                return [.. _deliveries];
            }
        }
    }

    public static async Task<WebhookReceiver> StartAsync(TimeSpan delay, string groupLabel, CancellationToken cancellationToken)
    {
        var receiver = new WebhookReceiver(delay, groupLabel);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(receiver.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        receiver._app = app;
        return receiver;
    }

    /// <summary>Completes when <paramref name="done"/> holds for the deliveries so far, or after <paramref name="timeout"/> (then false).</summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<ReceivedDelivery>, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        TaskCompletionSource source;
        lock (_lock)
        {
            if (done(_deliveries))
            {
                return true;
            }

            source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((done, source));
        }

        try
        {
            await source.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Source == source);
            }

            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        var arrived = Stopwatch.GetTimestamp();
        var inFlight = Interlocked.Increment(ref _inFlight);
        var max = Volatile.Read(ref _maxInFlight);
        while (inFlight > max && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
        {
            max = Volatile.Read(ref _maxInFlight);
        }

        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _inFlight);
            return; // the sender gave up: not a delivery
        }

        // Leave before answering: once the sender has the answer it may send the next request.
        Interlocked.Decrement(ref _inFlight);
        var (group, status) = Read(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        var delivery = new ReceivedDelivery(arrived, Stopwatch.GetTimestamp(), context.Request.Headers["webhook-id"].FirstOrDefault(), group, status);
        List<TaskCompletionSource>? release = null;
        lock (_lock)
        {
            _deliveries.Add(delivery);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Done(_deliveries))
                {
                    (release ??= []).Add(_waiters[i].Source);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var source in release ?? [])
        {
            source.TrySetResult();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }

    private (string? Group, string? Status) Read(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            string? group = root.TryGetProperty("labels", out var labels) && labels.ValueKind == JsonValueKind.Object
                && labels.TryGetProperty(_groupLabel, out var value) ? value.GetString() : null;
            string? status = root.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            return (group, status);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
