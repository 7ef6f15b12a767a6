using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Vigil.Client.Tests.Infrastructure;

/// <summary>
/// The client as an application gets it from <c>AddVigilClient</c>, on a fake clock, with logs captured.
/// The background sender only runs once <see cref="StartSenderAsync"/> is called, so tests that drive
/// delivery with <see cref="IVigilClient.FlushAsync"/> are deterministic.
/// </summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    /// <summary>Longer than any test advances the clock, so a request is never timed out by accident.</summary>
    public static readonly TimeSpan TestRequestTimeout = TimeSpan.FromMinutes(5);

    private readonly ServiceProvider _provider;
    private bool _senderStarted;

    private ClientHarness(ServiceProvider provider, ObservableTimeProvider time, ListLoggerProvider logs)
    {
        _provider = provider;
        Time = time;
        Logs = logs;
        Client = provider.GetRequiredService<IVigilClient>();
        Sender = provider.GetServices<IHostedService>().OfType<VigilSenderService>().Single();
    }

    public IVigilClient Client { get; }

    public ObservableTimeProvider Time { get; }

    public ListLoggerProvider Logs { get; }

    public IHostedService Sender { get; }

    public static ClientHarness Create(Uri? endpoint, Action<VigilClientOptions>? configure = null)
    {
        var time = new ObservableTimeProvider();
        var logs = new ListLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(time);
        services.AddVigilClient(options =>
        {
            options.Endpoint = endpoint;
            options.ApiKey = "test-key";
            options.RequestTimeout = TestRequestTimeout;
            configure?.Invoke(options);
        });
        return new ClientHarness(services.BuildServiceProvider(validateScopes: true), time, logs);
    }

    /// <summary>Starts the trace listener (the host would, as a hosted service); returns whether it listens.</summary>
    public bool StartTracing()
    {
        var listener = _provider.GetRequiredService<VigilTraceListener>();
        listener.Start();
        return listener.IsListening;
    }

    public async Task StartSenderAsync()
    {
        await Sender.StartAsync(CancellationToken.None);
        _senderStarted = true;
    }

    public async Task StopSenderAsync(CancellationToken cancellationToken = default)
    {
        _senderStarted = false;
        await Sender.StopAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_senderStarted)
        {
            // Already cancelled: do not let a test that left Vigil down hang in the shutdown flush.
            await StopSenderAsync(new CancellationToken(canceled: true));
        }

        await _provider.DisposeAsync();
    }
}
