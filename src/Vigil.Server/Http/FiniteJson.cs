using System.Text.Json.Serialization.Metadata;
using Vigil.Core.Metrics;

namespace Vigil.Server.Http;

/// <summary>
/// Makes every <see cref="double"/> property the API writes finite. JSON has no infinity or
/// NaN, and System.Text.Json throws on them, so one non-finite value (a row stored before
/// values were bounded) would turn every answer carrying it into a 500: ±∞ are written as
/// ±<see cref="double.MaxValue"/>, NaN as null (or 0 where the field is not nullable).
/// A getter wrapper, not a converter, so the OpenAPI schema keeps its number types.
/// </summary>
internal static class FiniteJson
{
    public static void Modifier(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (var property in typeInfo.Properties)
        {
            if (property.Get is not { } get)
            {
                continue;
            }

            if (property.PropertyType == typeof(double))
            {
                property.Get = owner => FiniteValues.Finite((double)get(owner)!);
            }
            else if (property.PropertyType == typeof(double?))
            {
                property.Get = owner => FiniteValues.FiniteOrNull((double?)get(owner));
            }
            else if (property.PropertyType == typeof(IReadOnlyList<double[]>))
            {
                property.Get = owner => get(owner) is IReadOnlyList<double[]> rows && rows.Any(row => row.Any(v => !double.IsFinite(v)))
                    ? rows.Select(row => row.Select(FiniteValues.Finite).ToArray()).ToList()
                    : get(owner);
            }
        }
    }
}
