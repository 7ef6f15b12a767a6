using Vigil.Jobs.Queue;

namespace Vigil.Dashboard.Delivery;

/// <summary>The delivery statuses of the API (<c>GET /api/v1/deliveries?status=</c>) and the job states behind them.</summary>
public static class DeliveryStatuses
{
    /// <summary>Every status, in the order the filter lists them.</summary>
    public static readonly string[] All = ["pending", "failed", "succeeded", "dead"];

    /// <summary>The status of a job state.</summary>
    public static string Of(JobState state) => state switch
    {
        JobState.Queued or JobState.Processing => "pending",
        JobState.Retrying => "failed",
        JobState.Succeeded => "succeeded",
        _ => "dead",
    };

    /// <summary>The job states of a status; empty for an unknown one.</summary>
    public static JobState[] States(string status) => status switch
    {
        "pending" => [JobState.Queued, JobState.Processing],
        "failed" => [JobState.Retrying],
        "succeeded" => [JobState.Succeeded],
        "dead" => [JobState.Dead],
        _ => [],
    };

    /// <summary>The badge class of a status (a word is always shown beside the colour).</summary>
    public static string Badge(string status) => status switch
    {
        "dead" => "sev-critical",
        "failed" => "sev-error",
        "pending" => "sev-warning",
        _ => "st-resolved",
    };

    /// <summary>The badge class of a breaker state name (closed, half_open, open).</summary>
    public static string BreakerBadge(string state) => state switch
    {
        "open" => "sev-critical",
        "half_open" => "sev-warning",
        _ => "st-resolved",
    };

    /// <summary>The badge class of a relay request's status (delivered, partial, failed, pending).</summary>
    public static string RequestBadge(string status) => status switch
    {
        "delivered" => "st-resolved",
        "partial" => "sev-warning",
        "failed" => "sev-critical",
        _ => "sev-info",
    };
}
