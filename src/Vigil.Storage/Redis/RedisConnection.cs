using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Vigil.Storage.Redis;

/// <summary>
/// The process's one connection to the configured Redis server, opened on first use and
/// reconnecting by itself (StackExchange.Redis shares one multiplexer per process).
/// </summary>
public sealed class RedisConnection(IOptions<RedisOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConnectionMultiplexer? _multiplexer;

    /// <summary>The connection; a server that does not answer yet does not fail this (commands fail until it does).</summary>
    public async Task<IConnectionMultiplexer> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _multiplexer) is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_multiplexer is null)
            {
                var configuration = ConfigurationOptions.Parse(options.Value.ConnectionString!);
                configuration.AbortOnConnectFail = false;
                Volatile.Write(ref _multiplexer, await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false));
            }

            return _multiplexer!;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }
}
