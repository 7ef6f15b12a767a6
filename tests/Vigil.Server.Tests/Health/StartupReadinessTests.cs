using Microsoft.Extensions.Hosting;
using Vigil.Health.Readiness;

namespace Vigil.Server.Tests.Health;

/// <summary>
/// The readiness gate on its own: the host starts listening only after its initializer has run,
/// so "not started yet" cannot be seen over HTTP in-process; the gate's states are tested here,
/// and the endpoint's answers after start-up in <see cref="HealthEndpointsTests"/>.
/// </summary>
public sealed class StartupReadinessTests
{
    [Fact]
    public void NotReadyReason_BeforeStartAfterStartAndWhileStopping_FollowsTheHost()
    {
        var lifetime = new Lifetime();
        var readiness = new StartupReadiness(lifetime);

        var starting = readiness.NotReadyReason;
        readiness.MarkStarted();
        var started = readiness.NotReadyReason;
        lifetime.StopApplication();
        var stopping = readiness.NotReadyReason;

        Assert.Contains("starting", starting, StringComparison.Ordinal);
        Assert.Null(started);
        Assert.Equal("Vigil is shutting down.", stopping);
    }

    private sealed class Lifetime : IHostApplicationLifetime
    {
        private readonly CancellationTokenSource _stopping = new();

        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => _stopping.Token;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication() => _stopping.Cancel();
    }
}
