namespace Vigil.Storage.Caching;

/// <summary>The tags entries are filed under; a write invalidates its tag on every node.</summary>
public static class CacheTags
{
    /// <summary>The alert rules.</summary>
    public const string Rules = "rules";

    /// <summary>The notification channels.</summary>
    public const string Channels = "channels";

    /// <summary>The relay endpoints.</summary>
    public const string RelayEndpoints = "relay-endpoints";

    /// <summary>The active API keys.</summary>
    public const string ApiKeys = "api-keys";

    /// <summary>The performance baselines.</summary>
    public const string Baselines = "baselines";
}
