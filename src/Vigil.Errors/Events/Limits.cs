namespace Vigil.Errors.Events;

/// <summary>How much of an error is kept: longer values are clipped (as Sentry trims them), not refused.</summary>
internal static class Limits
{
    /// <summary>Names: types, modules, functions, files, releases, routes, tags.</summary>
    public const int Name = 200;

    /// <summary>Messages and exception values.</summary>
    public const int Text = 2_000;

    /// <summary>Frames per event (those nearest the throw).</summary>
    public const int Frames = 100;

    /// <summary>Tags per event.</summary>
    public const int Tags = 50;

    /// <summary><paramref name="value"/> cut to <paramref name="max"/> characters (never inside a surrogate pair), or null.</summary>
    public static string? Clip(string? value, int max)
    {
        if (value is null || value.Length <= max)
        {
            return value;
        }

        var cut = char.IsHighSurrogate(value[max - 1]) ? max - 1 : max;
        return value[..cut] + "…";
    }
}
