using System.Globalization;
using System.Text;
using Google.Protobuf;
using Vigil.Otlp.Proto.Common.V1;

namespace Vigil.Otlp.Metrics;

/// <summary>How OTLP names, attribute values and units become Vigil's (Prometheus' rules).</summary>
internal static class OtlpNames
{
    /// <summary>The suffix of a timing made from a histogram whose unit is a time unit (its values are converted to milliseconds).</summary>
    public const string MillisecondsSuffix = "_ms";

    /// <summary>A metric name: every character outside <c>[a-zA-Z0-9_:]</c> becomes <c>_</c>, and a leading digit gets a <c>_</c> before it.</summary>
    public static string MetricName(string name) => Sanitise(name, allowColon: true);

    /// <summary>A label name: every character outside <c>[a-zA-Z0-9_]</c> becomes <c>_</c>, and a leading digit gets a <c>_</c> before it.</summary>
    public static string LabelName(string name) => Sanitise(name, allowColon: false);

    /// <summary>
    /// The factor that turns a value in <paramref name="unit"/> (UCUM, as OpenTelemetry writes
    /// it) into milliseconds, or null when the unit is not a time unit.
    /// </summary>
    public static double? ToMilliseconds(string unit) => unit switch
    {
        "ns" => 1e-6,
        "us" or "μs" => 1e-3,
        "ms" => 1,
        "s" => 1_000,
        "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => null,
    };

    /// <summary>
    /// An attribute value as a label value: strings as they are, numbers in invariant culture,
    /// booleans as <c>true</c>/<c>false</c>, bytes in base64, arrays and key-value lists as
    /// their OTLP JSON.
    /// </summary>
    public static string LabelValue(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => "",
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToBase64(),
        AnyValue.ValueOneofCase.ArrayValue => JsonFormatter.Default.Format(value.ArrayValue),
        AnyValue.ValueOneofCase.KvlistValue => JsonFormatter.Default.Format(value.KvlistValue),
        _ => "",
    };

    private static string Sanitise(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return name;
        }

        var builder = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            builder.Append('_');
        }

        foreach (var c in name)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return builder.ToString();
    }
}
