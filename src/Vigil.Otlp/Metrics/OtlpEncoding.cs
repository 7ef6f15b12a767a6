namespace Vigil.Otlp.Metrics;

/// <summary>The two encodings of OTLP/HTTP.</summary>
public enum OtlpEncoding
{
    /// <summary><c>application/x-protobuf</c>: the binary protobuf encoding.</summary>
    Protobuf,

    /// <summary><c>application/json</c>: the protobuf JSON mapping, as OTLP specifies it.</summary>
    Json,
}
