using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Storage.Caching;
using Vigil.Storage.Delivery;

namespace Vigil.Delivery.Channels;

/// <summary>
/// The channels, read through the cache layer (<see cref="VigilCache"/>, tag
/// <see cref="CacheTags.Channels"/>, <see cref="CacheTier.Short"/>, kept in this process only:
/// the entries hold decrypted secrets); every write of a channel calls <see cref="InvalidateAsync"/>,
/// which applies on every node at once. A channel is stored as its whole JSON body
/// encrypted with Data Protection, so no secret — password, token, signing secret, webhook URL —
/// is ever in the database in clear. A password, signing secret or bearer token written <c>config:Name</c> is read from
/// the configuration section <c>Vigil:Secrets</c> at send time instead (see <see cref="SecretReference"/>:
/// <c>config:SmtpPassword</c> and the environment variable <c>Vigil__Secrets__SmtpPassword</c>), so it need not pass the API at all.
/// </summary>
public sealed class ChannelStore(ChannelRepository repository, IDataProtectionProvider protection, IConfiguration configuration, VigilCache cache) : ICachePrewarm
{
    private readonly IDataProtector _protector = protection.CreateProtector("Vigil.Channels.v1");

    // The last channels loaded, kept across invalidations: the job queue's synchronous limit lookups
    // must not fall back to the default between a change and the next load.
    private IReadOnlyDictionary<string, ChannelEntry> _lastLoaded = new Dictionary<string, ChannelEntry>();

    /// <summary>Every channel by id.</summary>
    public ValueTask<IReadOnlyDictionary<string, ChannelEntry>> AllAsync(CancellationToken cancellationToken) =>
        cache.GetOrCreateAsync(CacheTags.Channels, "all", CacheTier.Short, LoadAsync, cancellationToken);

    /// <summary>A channel by id, or null.</summary>
    public async ValueTask<ChannelEntry?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await AllAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id);

    /// <summary>A channel by id as stored now (not cached: what a change merges onto), or null.</summary>
    public async ValueTask<ChannelEntry?> ReadStoredAsync(string id, CancellationToken cancellationToken) =>
        await repository.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } stored ? Read(stored) : null;

    /// <summary>
    /// A channel's <c>maxConcurrency</c> as last loaded (the job queue asks it, synchronously,
    /// for every claim); 1 for a channel this process has not loaded yet (its first delivery
    /// loads it), so a node that has not read a channel never runs more of it than its limit.
    /// </summary>
    public int MaxConcurrencyOf(string id) =>
        _lastLoaded.GetValueOrDefault(id)?.Definition.MaxConcurrency ?? 1;

    /// <summary>Forgets the cached channels on every node: call after every write of a channel.</summary>
    public ValueTask InvalidateAsync(CancellationToken cancellationToken = default) => cache.InvalidateAsync(CacheTags.Channels, cancellationToken);

    /// <inheritdoc />
    public async ValueTask PrewarmAsync(CancellationToken cancellationToken) => await AllAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>The row to store for a channel.</summary>
    public StoredChannel ToStored(ChannelDefinition channel, string? disabledReason, long createdAtMs, long updatedAtMs, int version) => new(
        channel.Id, channel.Name, channel.Type.ToWire(), channel.Enabled, channel.MaxConcurrency,
        _protector.Protect(ChannelJson.Serialize(channel)), disabledReason, createdAtMs, updatedAtMs, version);

    /// <summary>The channel as a sender needs it: secrets written <c>config:…</c> read from configuration.</summary>
    public ChannelDefinition ForSending(ChannelDefinition channel) => channel.Config switch
    {
        EmailChannelConfig e when IsReference(e.Password) => channel with { Config = e with { Password = Resolve(e.Password) } },
        WebhookChannelConfig w when IsReference(w.Secret) || IsReference(w.BearerToken) =>
            channel with { Config = w with { Secret = Resolve(w.Secret), BearerToken = Resolve(w.BearerToken) } },
        _ => channel,
    };

    /// <summary>
    /// Which secret of a channel is written <c>config:…</c> but names a setting that is not set,
    /// as a message naming the field, the setting and its environment variable; null when every
    /// reference resolves (or there is none).
    /// </summary>
    public string? UnresolvedSecret(ChannelDefinition channel) => channel.Config switch
    {
        EmailChannelConfig e => Unresolved("config.password", e.Password),
        WebhookChannelConfig w => Unresolved("config.secret", w.Secret) ?? Unresolved("config.bearerToken", w.BearerToken),
        _ => null,
    };

    private string? Unresolved(string field, string? value)
    {
        if (!IsReference(value) || !string.IsNullOrEmpty(Resolve(value)))
        {
            return null;
        }

        if (SecretReference.KeyOf(value!) is not { } setting)
        {
            return $"{field} is '{value}', which is not a readable reference: write config:<name> to read Vigil:Secrets:<name>.";
        }

        return $"{field} is '{value}', but the setting {setting} is not set: set it in configuration or as the environment variable {setting.Replace(":", "__", StringComparison.Ordinal)}.";
    }

    private async ValueTask<IReadOnlyDictionary<string, ChannelEntry>> LoadAsync(CancellationToken cancellationToken)
    {
        var loaded = (await repository.ListAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(c => c.Id, Read, StringComparer.Ordinal);
        _lastLoaded = loaded;
        return loaded;
    }

    private ChannelEntry Read(StoredChannel stored)
    {
        string json;
        try
        {
            json = _protector.Unprotect(stored.Config);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"Channel '{stored.Id}' cannot be decrypted: the Data Protection key ring (table data_protection_keys) is missing the key it was encrypted with.", ex);
        }

        var parsed = ChannelJson.Parse(json, stored.Id);
        var definition = parsed.Channel
            ?? throw new InvalidOperationException($"Channel '{stored.Id}' is stored in a form this version cannot read: {string.Join("; ", parsed.Problems.Select(p => $"{p.Field}: {p.Message}"))}");
        return new ChannelEntry(definition with { Enabled = stored.Enabled }, stored.DisabledReason, stored.CreatedAtMs, stored.UpdatedAtMs, stored.Version);
    }

    private static bool IsReference(string? value) => SecretReference.IsReference(value);

    // Only Vigil:Secrets:* can be read: a reference to anything else reads nothing.
    private string? Resolve(string? value) => IsReference(value) ? SecretReference.KeyOf(value!) is { } key ? configuration[key] : null : value;
}
