namespace Vigil.Jobs.Queue;

/// <summary>Priorities by name; <see cref="JobRequest.Priority"/> takes any integer, lower runs first.</summary>
public enum JobPriority
{
    /// <summary>Runs before medium and low.</summary>
    High = 1,

    /// <summary>The default.</summary>
    Medium = 2,

    /// <summary>Runs after high and medium.</summary>
    Low = 3,
}
