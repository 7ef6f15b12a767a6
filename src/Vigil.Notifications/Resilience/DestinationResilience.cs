using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Registry;
using Vigil.Core.Limits;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;

namespace Vigil.Notifications.Resilience;

/// <summary>
/// A circuit breaker and a rate limiter per destination (URL host and path, or SMTP host and port),
/// held in a Polly <see cref="ResiliencePipelineRegistry{TKey}"/>.
/// </summary>
/// <remarks>
/// Polly v8's breaker is ratio-based. It is configured to open after N consecutive failures:
/// failure ratio 1.0 with a minimum throughput of N over the longest sampling window Polly allows
/// (one day), and every success while the circuit is closed resets Polly's statistics through
/// <see cref="CircuitBreakerManualControl.CloseAsync"/> (a no-op on the state, as it is already
/// closed). So the window only ever holds the failures since the last success, and the breaker opens
/// on the Nth of them. Failures more than a day apart are forgotten. Only retryable failures count
/// (5xx, 429, timeouts, connection errors): a 4xx means the destination is up. The rate limiter is a
/// token bucket of the channel type's <see cref="DeliveryOptions.RateLimits"/> (taken when the destination is first attempted; real time:
/// System.Threading.RateLimiting takes no TimeProvider)
/// with a queue of <see cref="DeliveryOptions.RateLimitQueue"/>; past the queue the attempt is
/// short-circuited like an open breaker.
/// With several processes on one database (<see cref="IDestinationLimits"/> given), each attempt
/// also passes the destination's shared breaker and bucket first, and reports its outcome to them:
/// so the processes together send no faster than the rate and stop after the breaker's failures in
/// all, while each keeps its own pipeline too. If the shared store cannot be reached, the
/// per-process limits still hold and the attempt goes.
/// </remarks>
internal sealed partial class DestinationResilience : IDisposable
{
    private readonly ResiliencePipelineRegistry<string> _registry = new();
    private readonly ConcurrentDictionary<string, Destination> _destinations = new(StringComparer.Ordinal);
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IDestinationLimits? _shared;
    private int _sharedFailing;

    public DestinationResilience(IOptions<DeliveryOptions> options, TimeProvider time, ILogger<DestinationResilience> logger, IDestinationLimits? shared = null)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _shared = shared;
    }

    /// <summary>The registry key of an HTTP destination: scheme, host, port and path, no query.</summary>
    public static string KeyOf(Uri uri) => uri.GetLeftPart(UriPartial.Path);

    /// <summary>The registry key of an SMTP destination.</summary>
    public static string KeyOf(string host, int port) => $"smtp://{host.ToLowerInvariant()}:{port}";

    /// <summary>
    /// Runs one attempt through the destination's breaker and rate limiter. Returns
    /// <see cref="DeliveryStatus.ShortCircuited"/> without running it when the breaker is open or the
    /// rate limit's queue is full.
    /// </summary>
    public async ValueTask<DeliveryResult> ExecuteAsync(string key, string display, ChannelType type, Func<CancellationToken, ValueTask<DeliveryResult>> attempt, CancellationToken cancellationToken)
    {
        var destination = _destinations.GetOrAdd(key, static (k, state) => new Destination(Display(k, state.display), state.limit, state.queue), (display, limit: _options.RateLimits.For(type), queue: _options.RateLimitQueue));
        if (!_registry.TryGetPipeline<DeliveryResult>(key, out var pipeline))
        {
            // The registry may run the factory more than once for concurrent first attempts, and a
            // destination's breaker state provider can be attached to one pipeline only: build it once.
            lock (destination)
            {
                pipeline = _registry.GetOrAddPipeline<DeliveryResult>(key, (builder, context) => Configure(builder, _destinations[context.PipelineKey]));
            }
        }

        destination.Ready = true;

        if (_shared is not null && await EnterSharedAsync(key, type, destination.Display, cancellationToken).ConfigureAwait(false) is { } refused)
        {
            return refused;
        }

        DeliveryResult result;
        try
        {
            result = await pipeline.ExecuteAsync(static (state, token) => state(token), attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            var retryAt = destination.OpenedAt + _options.BreakerBreakDuration;
            var retryAfter = ex.RetryAfter ?? (retryAt is { } r ? r - _time.GetUtcNow() : _options.BreakerBreakDuration);
            return new DeliveryResult(DeliveryStatus.ShortCircuited, $"The circuit breaker of {destination.Display} is open.", null, retryAfter < TimeSpan.Zero ? TimeSpan.Zero : retryAfter, TimeSpan.Zero);
        }
        catch (RateLimiterRejectedException ex)
        {
            return new DeliveryResult(DeliveryStatus.ShortCircuited, $"The rate limit of {destination.Display} is reached.", null, ex.RetryAfter ?? TimeSpan.FromSeconds(1), TimeSpan.Zero);
        }

        if (_shared is not null)
        {
            await RecordSharedAsync(key, result.Status == DeliveryStatus.RetryableFailure).ConfigureAwait(false);
        }

        if (result.Status == DeliveryStatus.RetryableFailure)
        {
            Interlocked.Increment(ref destination.ConsecutiveFailures);
        }
        else
        {
            // The destination answered: forget what Polly counted, so only failures since the last answer can open it.
            Interlocked.Exchange(ref destination.ConsecutiveFailures, 0);
            if (destination.StateProvider.CircuitState == CircuitState.Closed)
            {
                await destination.Control.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        return result;
    }

    // A short-circuit result when the shared breaker or bucket refuses the attempt, else null.
    private async ValueTask<DeliveryResult?> EnterSharedAsync(string key, ChannelType type, string display, CancellationToken cancellationToken)
    {
        var limit = _options.RateLimits.For(type);
        DestinationGate gate;
        try
        {
            gate = await _shared!.EnterAsync(key, limit.Permits, limit.Period, _options.BreakerBreakDuration, cancellationToken).ConfigureAwait(false);
            SharedAnswered();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            SharedFailed(ex);
            return null;
        }

        return gate.Verdict switch
        {
            DestinationVerdict.BreakerOpen => new DeliveryResult(DeliveryStatus.ShortCircuited, $"The circuit breaker of {display} is open (on another node, or probed by one).", null, gate.RetryAfter, TimeSpan.Zero),
            DestinationVerdict.RateLimited => new DeliveryResult(DeliveryStatus.ShortCircuited, $"The rate limit of {display} is reached (by the nodes together).", null, gate.RetryAfter, TimeSpan.Zero),
            _ => null,
        };
    }

    private async ValueTask RecordSharedAsync(string key, bool failed)
    {
        try
        {
            // Not cancelled with the attempt: its outcome happened and must count.
            await _shared!.RecordAsync(key, failed, _options.BreakerFailureThreshold, _options.BreakerBreakDuration, CancellationToken.None).ConfigureAwait(false);
            SharedAnswered();
        }
        catch (Exception ex)
        {
            SharedFailed(ex);
        }
    }

    private void SharedFailed(Exception ex)
    {
        if (Interlocked.Exchange(ref _sharedFailing, 1) == 0)
        {
            LogSharedFailed(_logger, ex);
        }
    }

    private void SharedAnswered() => Interlocked.Exchange(ref _sharedFailing, 0);

    /// <summary>The breaker of every destination attempted so far.</summary>
    public IReadOnlyList<DestinationHealth> Snapshot() => [.. _destinations.Values.Select(HealthOf).OrderBy(h => h.Destination, StringComparer.Ordinal)];

    /// <summary>The breaker of one destination, or <see langword="null"/> when it was never attempted.</summary>
    public DestinationHealth? Snapshot(string key) => _destinations.TryGetValue(key, out var d) ? HealthOf(d) : null;

    public void Dispose()
    {
        _registry.Dispose();
        foreach (var destination in _destinations.Values)
        {
            destination.Limiter.Dispose();
        }
    }

    private static string Display(string key, string masked)
    {
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 4));
        return $"{masked} #{hash}";
    }

    private DestinationHealth HealthOf(Destination d)
    {
        var now = _time.GetUtcNow();
        var opened = d.OpenedAt;
        var state = d.Ready ? d.StateProvider.CircuitState : CircuitState.Closed;
        BreakerState breaker = state switch
        {
            CircuitState.Closed => BreakerState.Closed,
            CircuitState.HalfOpen => BreakerState.HalfOpen,
            _ when opened is { } at && now >= at + _options.BreakerBreakDuration => BreakerState.HalfOpen,
            _ => BreakerState.Open,
        };
        return breaker == BreakerState.Closed
            ? new DestinationHealth(d.Display, breaker, Volatile.Read(ref d.ConsecutiveFailures), null, null)
            : new DestinationHealth(d.Display, breaker, Volatile.Read(ref d.ConsecutiveFailures), opened, opened + _options.BreakerBreakDuration);
    }

    private void Configure(ResiliencePipelineBuilder<DeliveryResult> builder, Destination destination)
    {
        builder.TimeProvider = _time;
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<DeliveryResult>
            {
                FailureRatio = 1.0,
                MinimumThroughput = _options.BreakerFailureThreshold,
                SamplingDuration = TimeSpan.FromDays(1),
                BreakDuration = _options.BreakerBreakDuration,
                ManualControl = destination.Control,
                StateProvider = destination.StateProvider,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Result.Status: DeliveryStatus.RetryableFailure } => true,
                    { Exception: OperationCanceledException or RateLimiterRejectedException } => false,
                    { Exception: not null } => true,
                    _ => false,
                }),
                OnOpened = args =>
                {
                    destination.OpenedAt = _time.GetUtcNow();
                    LogOpened(_logger, destination.Display, Volatile.Read(ref destination.ConsecutiveFailures) + 1, args.BreakDuration);
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    LogHalfOpened(_logger, destination.Display);
                    return ValueTask.CompletedTask;
                },
                OnClosed = args =>
                {
                    if (!args.IsManual)
                    {
                        destination.OpenedAt = null;
                        LogClosed(_logger, destination.Display);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .AddRateLimiter(destination.Limiter);
    }

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "The breakers and rate limits shared by the nodes cannot be reached; each node's own still hold")]
    private static partial void LogSharedFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Circuit breaker of {Destination} opened after {Failures} consecutive failures; attempts short-circuited for {BreakDuration}")]
    private static partial void LogOpened(ILogger logger, string destination, int failures, TimeSpan breakDuration);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Information, Message = "Circuit breaker of {Destination} half-open: the next attempt is a probe")]
    private static partial void LogHalfOpened(ILogger logger, string destination);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Circuit breaker of {Destination} closed: the probe succeeded")]
    private static partial void LogClosed(ILogger logger, string destination);

    /// <summary>What is kept per destination besides its pipeline.</summary>
    private sealed class Destination(string display, DestinationRateLimit limit, int queue)
    {
        public int ConsecutiveFailures;

        public volatile bool Ready;

        public string Display { get; } = display;

        public CircuitBreakerManualControl Control { get; } = new();

        public CircuitBreakerStateProvider StateProvider { get; } = new();

        public DateTimeOffset? OpenedAt { get; set; }

        public TokenBucketRateLimiter Limiter { get; } = new(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Permits,
            TokensPerPeriod = limit.Permits,
            ReplenishmentPeriod = limit.Period,
            QueueLimit = queue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }
}
