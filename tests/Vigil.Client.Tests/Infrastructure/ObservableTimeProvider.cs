using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Vigil.Client.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports each timer created on it (every <c>Task.Delay</c> and
/// timed <c>CancellationTokenSource</c> on this provider), so a test can wait until the code under test is
/// actually waiting, check how long it means to wait, and only then advance time: no sleeps, no races.
/// </summary>
internal sealed class ObservableTimeProvider : FakeTimeProvider
{
    public static readonly DateTimeOffset StartTime = new(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(15);

    private readonly Channel<TimeSpan> _timersCreated = Channel.CreateUnbounded<TimeSpan>();

    public ObservableTimeProvider()
        : base(StartTime)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timersCreated.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>
    /// Waits (bounded, real time) for the next timer created since the last call whose due time matches,
    /// skipping the others, and returns its due time.
    /// </summary>
    public async Task<TimeSpan> WaitForTimerAsync(Func<TimeSpan, bool> match)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        while (true)
        {
            TimeSpan dueTime = await _timersCreated.Reader.ReadAsync(timeout.Token);
            if (match(dueTime))
            {
                return dueTime;
            }
        }
    }

    /// <summary>Waits for the next timer of exactly <paramref name="dueTime"/>.</summary>
    public Task<TimeSpan> WaitForTimerAsync(TimeSpan dueTime) => WaitForTimerAsync(d => d == dueTime);
}
