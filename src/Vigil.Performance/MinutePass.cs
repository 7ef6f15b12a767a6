using Microsoft.Extensions.Hosting;
using Vigil.Storage;
using Vigil.Storage.Coordination;

namespace Vigil.Performance;

/// <summary>
/// A pass that runs once a minute on one process — the holder of an <see cref="ExclusiveRole"/>
/// (always this process on SQLite) — and on demand (<see cref="RunOnceAsync"/>, one at a time):
/// the regression monitor's and the objective tracker's shared loop. A failed pass is logged and
/// the next minute tries again.
/// </summary>
public abstract partial class MinutePass(Database database, long lockKey, TimeProvider time, ILogger logger) : BackgroundService
{
    private readonly ExclusiveRole _role = new(database, lockKey);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _disposed;

    /// <summary>One pass (or nothing but <see cref="OnNotLeader"/> when another process holds the role); returns what the pass counts.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!(await _role.CheckAsync(cancellationToken).ConfigureAwait(false)).IsHeld)
            {
                OnNotLeader();
                return 0;
            }

            return await PassAsync(time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        // Registered as itself and as a hosted service (the same instance): disposed twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _role.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _gate.Dispose();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The pass at <paramref name="nowMs"/> (Unix ms), on the process holding the role.</summary>
    protected abstract Task<int> PassAsync(long nowMs, CancellationToken cancellationToken);

    /// <summary>Forgets what is kept between passes: another process holds the role now.</summary>
    protected abstract void OnNotLeader();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1), time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogPassFailed(logger, GetType().Name, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Pass} pass failed; the next minute tries again")]
    private static partial void LogPassFailed(ILogger logger, string pass, Exception exception);
}
