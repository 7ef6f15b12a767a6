using Vigil.Core.Queries;

namespace Vigil.Dashboard.Overview;

/// <summary>A job that is slow or failing often (seed 002's bottleneck detection).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Kind"><c>slow</c> or <c>failing</c>.</param>
/// <param name="Severity"><c>high</c> or <c>medium</c>.</param>
/// <param name="Detail">The figure and the limit it is over.</param>
public sealed record Bottleneck(string JobId, string Kind, string Severity, string Detail)
{
    /// <summary>Average duration above which a job is slow (medium).</summary>
    public static readonly TimeSpan SlowMedium = TimeSpan.FromSeconds(60);

    /// <summary>Average duration above which a job is slow (high).</summary>
    public static readonly TimeSpan SlowHigh = TimeSpan.FromSeconds(120);

    /// <summary>Failure rate (percent) above which a job is failing (medium).</summary>
    public const double FailingMedium = 25;

    /// <summary>Failure rate (percent) above which a job is failing (high).</summary>
    public const double FailingHigh = 50;

    /// <summary>The bottlenecks among <paramref name="jobs"/>, high first, then by job id.</summary>
    public static IReadOnlyList<Bottleneck> Find(IEnumerable<JobFigures> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var found = new List<Bottleneck>();
        foreach (var job in jobs)
        {
            if (job.AvgMs is { } avg && avg > SlowMedium.TotalMilliseconds)
            {
                var high = avg > SlowHigh.TotalMilliseconds;
                found.Add(new(job.JobId, "slow", high ? "high" : "medium",
                    $"average {Format.Number(avg / 1000)} s, over {(high ? SlowHigh : SlowMedium).TotalSeconds} s"));
            }

            var failureRate = 100 - job.SuccessRate;
            if (failureRate > FailingMedium)
            {
                var high = failureRate > FailingHigh;
                found.Add(new(job.JobId, "failing", high ? "high" : "medium",
                    $"{Format.Number(failureRate)} % of {job.Executions} executions failed, over {(high ? FailingHigh : FailingMedium)} %"));
            }
        }

        return [.. found.OrderBy(b => b.Severity == "high" ? 0 : 1).ThenBy(b => b.JobId, StringComparer.Ordinal).ThenBy(b => b.Kind, StringComparer.Ordinal)];
    }
}
