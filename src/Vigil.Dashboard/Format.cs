using System.Globalization;

namespace Vigil.Dashboard;

/// <summary>Numbers and times as the pages show them.</summary>
public static class Format
{
    /// <summary>A value with up to three significant decimals ("1234.5", "0.012").</summary>
    public static string Number(double value) =>
        double.IsFinite(value) ? Math.Round(value, Math.Abs(value) >= 100 ? 1 : 3).ToString("0.###", CultureInfo.InvariantCulture) : "—";

    /// <summary>A share as a percentage ("12.5 %").</summary>
    public static string Percent(double share) => double.IsFinite(share) ? (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %" : "—";
}
