using System.Buffers;

namespace Vigil.Notifications.Channels;

/// <summary>
/// A channel secret written <c>config:Name</c> instead of the value: read at send time from the
/// configuration key <c>Vigil:Secrets:Name</c> (environment variable <c>Vigil__Secrets__Name</c>),
/// so it need not pass the API. Only that section can be named: <c>config:HOME</c> reads
/// <c>Vigil:Secrets:HOME</c>, never the environment variable <c>HOME</c>. The full form
/// <c>config:Vigil:Secrets:Name</c> of earlier versions names the same key.
/// </summary>
public static class SecretReference
{
    /// <summary>The prefix of a reference.</summary>
    public const string Prefix = "config:";

    /// <summary>The configuration section references are read from.</summary>
    public const string Section = "Vigil:Secrets";

    /// <summary>The longest name accepted after the prefix.</summary>
    public const int MaxNameLength = 200;

    // The section's own settings (the master key and its file) are not secrets a channel may send.
    private static readonly string[] Reserved = ["MasterKey", "KeyFile"];

    private static readonly SearchValues<char> NameCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:");

    /// <summary>Whether <paramref name="value"/> is written as a reference (<c>config:…</c>).</summary>
    /// <param name="value">A secret field's value.</param>
    /// <returns>True when it starts with <see cref="Prefix"/>.</returns>
    public static bool IsReference(string? value) => value is not null && value.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The configuration key a reference reads: <c>config:Smtp</c> → <c>Vigil:Secrets:Smtp</c>.</summary>
    /// <param name="reference">A value for which <see cref="IsReference"/> holds.</param>
    /// <returns>The key, or <see langword="null"/> when the reference is malformed or names a reserved setting.</returns>
    public static string? KeyOf(string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!IsReference(reference))
        {
            return null;
        }

        var name = reference[Prefix.Length..];
        if (name.StartsWith(Section + ":", StringComparison.OrdinalIgnoreCase))
        {
            name = name[(Section.Length + 1)..];
        }

        if (name.Length is 0 or > MaxNameLength || name.AsSpan().ContainsAnyExcept(NameCharacters)
            || name.StartsWith(':') || name.EndsWith(':') || name.Contains("::", StringComparison.Ordinal)
            || Reserved.Any(r => name.Split(':')[0].Equals(r, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        return Section + ":" + name;
    }

    /// <summary>The problem with a reference in <paramref name="field"/>, or <see langword="null"/> when it is not one or is well formed.</summary>
    internal static ChannelProblem? Check(string? value, string field) =>
        IsReference(value) && KeyOf(value!) is null
            ? new ChannelProblem(field, $"A reference must be config:<name>, read from {Section}:<name> (e.g. config:Smtp for {Section}:Smtp, environment variable Vigil__Secrets__Smtp); the name takes letters, digits, '_', '-', '.' and ':' and may not be {string.Join(" or ", Reserved)}.")
            : null;
}
