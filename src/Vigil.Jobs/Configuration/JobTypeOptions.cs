using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Vigil.Jobs.Queue;
using Vigil.Jobs.Retries;

namespace Vigil.Jobs.Configuration;

/// <summary>Settings of one job type.</summary>
public sealed class JobTypeOptions
{
    /// <summary>How many jobs of this type one process runs at a time.</summary>
    /// <value>5.</value>
    [Range(1, 1000)]
    public int Concurrency { get; set; } = 5;

    /// <summary>The priority of its jobs unless a request says otherwise.</summary>
    /// <value><see cref="JobPriority.Medium"/>.</value>
    [EnumDataType(typeof(JobPriority))]
    public JobPriority Priority { get; set; } = JobPriority.Medium;

    /// <summary>Its retry schedule; null: <see cref="JobsOptions.DefaultRetry"/>.</summary>
    /// <value>null.</value>
    [ValidateObjectMembers]
    public RetryPolicy? Retry { get; set; }
}
