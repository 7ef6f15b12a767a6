using System.Buffers;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// Delivers the buffered items to Vigil in batches of at most <see cref="VigilClientOptions.BatchSize"/>:
/// retries 408, 429, 5xx, timeouts and network errors with backoff (honouring <c>Retry-After</c>) for as long
/// as the caller's token allows, and drops batches Vigil rejects (other 4xx), which retrying cannot fix.
/// </summary>
/// <remarks>
/// One drain runs at a time (the background service's and <see cref="IVigilClient.FlushAsync"/>'s).
/// A batch taken from the buffer stays in <see cref="_pending"/> until it is delivered or rejected, so
/// a cancelled drain (shutdown, a flush timeout) loses nothing: the next drain sends it first.
/// </remarks>
internal sealed partial class VigilSender
{
    private const int EstimatedBytesPerItem = 160;
    private const int MaxLoggedBodyChars = 1024;

    /// <summary>The most spans in one export (Vigil takes up to 10 000 series points per request; a transaction makes two).</summary>
    private const int MaxSpansPerBatch = 1000;

    /// <summary>The most error events in one envelope.</summary>
    private const int MaxErrorsPerBatch = 100;

    private readonly TelemetryBuffer _buffer;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<VigilSender> _logger;
    private readonly VigilClientOptions _options;
    private readonly Uri? _metricsUri;
    private readonly Uri? _jobsUri;
    private readonly Uri? _tracesUri;
    private readonly Uri? _errorsUri;
    private readonly string _service;

    // Not disposed: no wait handle is ever created, and a disposed gate would make a late FlushAsync throw.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private PendingBatch? _pending;

    public VigilSender(
        TelemetryBuffer buffer,
        IHttpClientFactory httpClientFactory,
        IOptions<VigilClientOptions> options,
        TimeProvider timeProvider,
        ILogger<VigilSender> logger,
        ClientIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        _buffer = buffer;
        _httpClientFactory = httpClientFactory;
        _timeProvider = timeProvider;
        _logger = logger;
        _options = options.Value;
        ArgumentNullException.ThrowIfNull(identity);
        _service = identity.Service;

        if (_options.Endpoint is { IsAbsoluteUri: true } endpoint)
        {
            // Keep a path prefix (http://host/vigil) when combining.
            var baseUri = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
            _metricsUri = new Uri(baseUri, "api/v1/metrics");
            _jobsUri = new Uri(baseUri, "api/v1/jobs/executions");
            _tracesUri = new Uri(baseUri, "v1/traces"); // OTLP/HTTP, JSON
            _errorsUri = new Uri(baseUri, "api/0/envelope/"); // the Sentry protocol; events name their service in a tag
        }
    }

    private enum AttemptResult
    {
        Delivered,
        Rejected,
        Retry,
    }

    /// <summary>
    /// Sends what is buffered when it starts (not what arrives meanwhile, so a busy application cannot
    /// keep it going forever), retrying failed batches until <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_metricsUri is null || _jobsUri is null || _tracesUri is null || _errorsUri is null)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_pending is { } pending)
            {
                await DeliverAsync(pending, cancellationToken).ConfigureAwait(false);
                _pending = null;
            }

            await DrainBufferAsync("metric points", _metricsUri, _buffer.Metrics.Count, _options.BatchSize,
                (max, payload) => BatchSerializer.WriteMetrics(_buffer.Metrics, max, payload, _options.ServiceName), cancellationToken).ConfigureAwait(false);
            await DrainBufferAsync("job executions", _jobsUri, _buffer.Jobs.Count, Math.Min(_options.BatchSize, IngestRules.MaxExecutionsPerBatch),
                (max, payload) => BatchSerializer.WriteJobExecutions(_buffer.Jobs, max, payload), cancellationToken).ConfigureAwait(false);
            await DrainBufferAsync("spans", _tracesUri, _buffer.Spans.Count, Math.Min(_options.BatchSize, MaxSpansPerBatch),
                (max, payload) => BatchSerializer.WriteSpans(_buffer.Spans, max, payload, _service), cancellationToken).ConfigureAwait(false);
            await DrainBufferAsync("error events", _errorsUri, _buffer.Errors.Count, Math.Min(_options.BatchSize, MaxErrorsPerBatch),
                (max, payload) => BatchSerializer.WriteEnvelope(_buffer.Errors, max, payload), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Sends, in batches of at most <paramref name="batchSize"/>, the <paramref name="budget"/> items of one buffer that <paramref name="write"/> serialises.</summary>
    private async Task DrainBufferAsync(string what, Uri uri, int budget, int batchSize, Func<int, ArrayBufferWriter<byte>, int> write, CancellationToken cancellationToken)
    {
        while (budget > 0)
        {
            var payload = new ArrayBufferWriter<byte>(Math.Min(budget, batchSize) * EstimatedBytesPerItem);
            int count = write(Math.Min(budget, batchSize), payload);
            if (count == 0)
            {
                break;
            }

            budget -= count;
            await DeliverTakenAsync(new PendingBatch(what, uri, payload.WrittenMemory, count), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The last drain, when the host stops: bounded by <see cref="VigilClientOptions.ShutdownTimeout"/> and
    /// <paramref name="cancellationToken"/>; whatever is still buffered after it is counted as dropped.
    /// </summary>
    public async Task FlushForShutdownAsync(CancellationToken cancellationToken)
    {
        if (_metricsUri is null)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(_options.ShutdownTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            await DrainAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // Out of time: fall through and count what is left.
        }

        // The gate may still be held by a drain that ignores cancellation for a moment; then leave the counts alone.
        if (!_gate.Wait(0, CancellationToken.None))
        {
            return;
        }

        try
        {
            int abandoned = 0;
            if (_pending is { } pending)
            {
                _buffer.MarkUndeliverable(pending.Count);
                abandoned += pending.Count;
                _pending = null;
            }

            abandoned += _buffer.DiscardQueued();
            if (abandoned > 0)
            {
                LogAbandonedAtShutdown(_logger, abandoned, _options.ShutdownTimeout);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task DeliverTakenAsync(PendingBatch batch, CancellationToken cancellationToken)
    {
        _buffer.MarkTaken(batch.Count);
        _pending = batch;
        await DeliverAsync(batch, cancellationToken).ConfigureAwait(false);
        _pending = null;
    }

    private async Task DeliverAsync(PendingBatch batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            batch.Attempts++;
            var (result, reason, retryAfter) = await SendOnceAsync(batch, cancellationToken).ConfigureAwait(false);
            switch (result)
            {
                case AttemptResult.Delivered:
                    _buffer.MarkSent(batch.Count);
                    LogDelivered(_logger, batch.Count, batch.What, batch.Attempts);
                    return;

                case AttemptResult.Rejected:
                    _buffer.CountFailedAttempt();
                    _buffer.MarkUndeliverable(batch.Count);
                    LogRejected(_logger, batch.Count, batch.What, reason);
                    return;

                default:
                    _buffer.CountFailedAttempt();
                    var delay = RetryDelay.Compute(batch.Attempts, retryAfter, _options.MaxRetryDelay, Random.Shared.NextDouble());
                    LogRetrying(_logger, batch.Count, batch.What, batch.Attempts, reason, delay);
                    await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private async Task<(AttemptResult Result, string Reason, TimeSpan? RetryAfter)> SendOnceAsync(
        PendingBatch batch,
        CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var content = new ReadOnlyMemoryContent(batch.Payload);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var request = new HttpRequestMessage(HttpMethod.Post, batch.Uri) { Content = content };
        VigilTracing.Suppress(); // this request is not the application's: no span for it
        if (_options.ApiKey is { Length: > 0 } apiKey)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        try
        {
            var client = _httpClientFactory.CreateClient(VigilClientOptions.HttpClientName);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            int status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return (AttemptResult.Delivered, string.Empty, null);
            }

            if (status is 408 or 429 || status >= 500)
            {
                var retryAfter = RetryDelay.ReadRetryAfter(response.Headers.RetryAfter, _timeProvider.GetUtcNow());
                return (AttemptResult.Retry, $"HTTP {status}", retryAfter);
            }

            string body = await ReadSnippetAsync(response.Content, linked.Token).ConfigureAwait(false);
            return (AttemptResult.Rejected, $"HTTP {status} {body}", null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (AttemptResult.Retry, $"no answer within {_options.RequestTimeout}", null);
        }
        catch (HttpRequestException ex)
        {
            return (AttemptResult.Retry, ex.Message, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A handler added by the application, a disposed factory...: back off and try again rather than
            // throw from FlushAsync or the host's StopAsync.
            return (AttemptResult.Retry, $"{ex.GetType().Name}: {ex.Message}", null);
        }
    }

    private static async Task<string> ReadSnippetAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream);
                var chars = new char[MaxLoggedBodyChars];
                int read = await reader.ReadBlockAsync(chars, cancellationToken).ConfigureAwait(false);
                return new string(chars, 0, read);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            return string.Empty;
        }
    }

    [LoggerMessage(EventId = 10, EventName = "BatchDelivered", Level = LogLevel.Debug,
        Message = "Sent {Count} {What} to Vigil (attempt {Attempt})")]
    private static partial void LogDelivered(ILogger logger, int count, string what, int attempt);

    [LoggerMessage(EventId = 11, EventName = "BatchRejected", Level = LogLevel.Warning,
        Message = "Vigil rejected a batch of {Count} {What}; it is dropped, not retried: {Reason}")]
    private static partial void LogRejected(ILogger logger, int count, string what, string reason);

    [LoggerMessage(EventId = 12, EventName = "BatchRetrying", Level = LogLevel.Warning,
        Message = "Sending {Count} {What} to Vigil failed (attempt {Attempt}: {Reason}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, int count, string what, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 13, EventName = "AbandonedAtShutdown", Level = LogLevel.Warning,
        Message = "{Count} buffered items could not be sent to Vigil within the shutdown timeout of {Timeout} and were dropped")]
    private static partial void LogAbandonedAtShutdown(ILogger logger, int count, TimeSpan timeout);

    /// <summary>A serialized batch taken from the buffer, kept until it is delivered or rejected.</summary>
    private sealed class PendingBatch(string what, Uri uri, ReadOnlyMemory<byte> payload, int count)
    {
        public string What { get; } = what;

        public Uri Uri { get; } = uri;

        public ReadOnlyMemory<byte> Payload { get; } = payload;

        public int Count { get; } = count;

        public int Attempts { get; set; }
    }
}
