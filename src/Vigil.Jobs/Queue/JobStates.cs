namespace Vigil.Jobs.Queue;

/// <summary>Wire names of <see cref="JobState"/> as stored.</summary>
internal static class JobStates
{
    public const string Queued = "queued";
    public const string Retrying = "retrying";
    public const string Processing = "processing";
    public const string Succeeded = "succeeded";
    public const string Dead = "dead";

    public static string ToWire(this JobState state) => state switch
    {
        JobState.Queued => Queued,
        JobState.Retrying => Retrying,
        JobState.Processing => Processing,
        JobState.Succeeded => Succeeded,
        JobState.Dead => Dead,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Unknown job state."),
    };

    public static JobState Parse(string state) => state switch
    {
        Queued => JobState.Queued,
        Retrying => JobState.Retrying,
        Processing => JobState.Processing,
        Succeeded => JobState.Succeeded,
        Dead => JobState.Dead,
        _ => throw new FormatException($"Unknown job state '{state}'."),
    };
}
