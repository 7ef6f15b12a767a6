using Vigil.Jobs.Retries;
namespace Vigil.Jobs.Tests.Retries;

public sealed class RetryPolicyTests
{
    [Fact]
    public void GetDelay_NoJitter_ExponentialUpToMax()
    {
        var policy = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(5), Factor = 3, MaxDelay = TimeSpan.FromMinutes(1), Jitter = 0 };

        var delays = Enumerable.Range(1, 5).Select(n => policy.GetDelay(n, 0.5).TotalSeconds);

        Assert.Equal([5, 15, 45, 60, 60], delays);
    }

    [Fact]
    public void GetDelay_Jitter_ShortensWithinTheShare()
    {
        var policy = new RetryPolicy { BaseDelay = TimeSpan.FromSeconds(10), Factor = 2, Jitter = 0.2 };

        Assert.Equal(TimeSpan.FromSeconds(20), policy.GetDelay(2, 0));
        Assert.Equal(TimeSpan.FromSeconds(18), policy.GetDelay(2, 0.5));
        Assert.InRange(policy.GetDelay(2, 0.999999), TimeSpan.FromSeconds(16), TimeSpan.FromSeconds(16.001));
    }

    [Fact]
    public void GetDelay_HugeAttemptCount_StaysAtMax()
    {
        var policy = new RetryPolicy { MaxDelay = TimeSpan.FromMinutes(10), Jitter = 0 };

        Assert.Equal(TimeSpan.FromMinutes(10), policy.GetDelay(100_000, 0));
    }

    [Fact]
    public void GetDelay_BadArguments_Throw()
    {
        var policy = new RetryPolicy();

        Assert.Throws<ArgumentOutOfRangeException>(() => policy.GetDelay(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.GetDelay(1, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => policy.GetDelay(1, 1));
    }
}
