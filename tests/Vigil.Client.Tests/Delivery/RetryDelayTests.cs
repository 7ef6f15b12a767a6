using System.Net.Http.Headers;

namespace Vigil.Client.Tests.Delivery;

public sealed class RetryDelayTests
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1, 0.0, 500)]
    [InlineData(1, 1.0, 1000)]
    [InlineData(2, 0.0, 1000)]
    [InlineData(3, 0.5, 3000)]
    [InlineData(5, 1.0, 16000)]
    public void Compute_NoRetryAfter_GrowsExponentiallyWithJitterInUpperHalf(int attempt, double jitter, double expectedMs)
        => Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), RetryDelay.Compute(attempt, null, Max, jitter));

    [Theory]
    [InlineData(6)]
    [InlineData(40)]
    [InlineData(int.MaxValue)]
    public void Compute_ManyAttempts_NeverExceedsMaxDelay(int attempt)
        => Assert.Equal(Max, RetryDelay.Compute(attempt, null, Max, 1.0));

    [Fact]
    public void Compute_RetryAfterLongerThanBackoff_WaitsRetryAfter()
        => Assert.Equal(TimeSpan.FromSeconds(7), RetryDelay.Compute(1, TimeSpan.FromSeconds(7), Max, 0.3));

    [Fact]
    public void Compute_RetryAfterShorterThanBackoff_KeepsBackoff()
        => Assert.Equal(TimeSpan.FromSeconds(8), RetryDelay.Compute(5, TimeSpan.FromSeconds(1), Max, 0.0));

    [Fact]
    public void Compute_RetryAfterBeyondMaxDelay_CappedAtMaxDelay()
        => Assert.Equal(Max, RetryDelay.Compute(1, TimeSpan.FromMinutes(10), Max, 0.0));

    [Fact]
    public void ReadRetryAfter_HttpDate_IsDelayFromNow()
    {
        var now = new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

        var delay = RetryDelay.ReadRetryAfter(new RetryConditionHeaderValue(now.AddSeconds(12)), now);

        Assert.Equal(TimeSpan.FromSeconds(12), delay);
    }

    [Fact]
    public void ReadRetryAfter_DateInThePast_IsZero()
    {
        var now = new DateTimeOffset(2026, 11, 23, 18, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.Zero, RetryDelay.ReadRetryAfter(new RetryConditionHeaderValue(now.AddSeconds(-5)), now));
    }

    [Fact]
    public void ReadRetryAfter_Absent_IsNull()
        => Assert.Null(RetryDelay.ReadRetryAfter(null, DateTimeOffset.UnixEpoch));
}
