namespace Vigil.Health.Checks;

/// <summary>Keys of a check's data that the report lifts out of its details.</summary>
public static class HealthData
{
    /// <summary>The probe's duration in milliseconds: the report's <c>responseTime</c> of the check.</summary>
    public const string ResponseTime = "responseTime";
}
