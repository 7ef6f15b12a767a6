using Microsoft.Extensions.Time.Testing;
using Vigil.Jobs.Processing;

namespace Vigil.Jobs.Tests.Processing;

/// <summary>
/// The processor's waits against a clock that moves while they are being armed: the race that
/// once left <c>Process_Postponed_UsesNoAttempts</c> waiting 60 s on a loaded machine (the test
/// advanced the fake clock between the loop's reading and the timer's creation, so the timer was
/// armed one whole poll interval after the advance, and no further advance ever came).
/// </summary>
public sealed class JobProcessorClockTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task DelayUntil_ClockJumpsPastTheTargetWhileArming_CompletesWithoutAnotherAdvance()
    {
        // Arrange: the clock jumps 30 s just after the wait reads it.
        var clock = new JumpAfterFirstReading(new FakeTimeProvider(T0), TimeSpan.FromSeconds(30));

        // Act
        var wait = JobProcessor.DelayUntilAsync(clock, T0.AddSeconds(1), null, CancellationToken.None);

        // Assert: nothing else moves the clock, so only the re-reading after arming can end it
        // (before the fix the timer was due at T0 + 31 s and this timed out).
        await wait.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(T0.AddSeconds(30), clock.GetUtcNow());
    }

    [Fact]
    public async Task DelayUntil_ClockAdvancedAfterArming_CompletesAtTheTarget()
    {
        // Arrange
        var clock = new FakeTimeProvider(T0);
        var wait = JobProcessor.DelayUntilAsync(clock, T0.AddSeconds(5), null, CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.False(wait.IsCompleted);

        // Act
        clock.Advance(TimeSpan.FromSeconds(1));

        // Assert: the fake timer fires synchronously inside Advance; the continuation may still be queued.
        await wait.WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task DelayUntil_WakeSignalled_CompletesBeforeTheTarget()
    {
        // Arrange
        var clock = new FakeTimeProvider(T0);
        var wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = JobProcessor.DelayUntilAsync(clock, T0.AddHours(1), wake.Task, CancellationToken.None);
        Assert.False(wait.IsCompleted);

        // Act
        wake.SetResult();

        // Assert
        await wait.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(T0, clock.GetUtcNow());
    }

    /// <summary>A fake clock that another thread advances right after the first reading.</summary>
    private sealed class JumpAfterFirstReading(FakeTimeProvider inner, TimeSpan jump) : TimeProvider
    {
        private int _readings;

        public override DateTimeOffset GetUtcNow()
        {
            var now = inner.GetUtcNow();
            if (Interlocked.Increment(ref _readings) == 1)
            {
                inner.Advance(jump);
            }

            return now;
        }

        public override long GetTimestamp() => inner.GetTimestamp();

        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            inner.CreateTimer(callback, state, dueTime, period);
    }
}
