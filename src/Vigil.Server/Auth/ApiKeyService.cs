using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Vigil.Storage.Caching;
using Vigil.Storage.Keys;

namespace Vigil.Server.Auth;

/// <summary>
/// Creates, verifies and revokes API keys. Keys are random 256-bit secrets shown once; only
/// their SHA-256 is stored (a slow hash adds nothing for keys of that entropy). The active keys
/// are read as one set into the read cache (<see cref="CacheTags.ApiKeys"/>), so a request costs no
/// database round trip, a guessed key neither costs a query nor grows memory, and a key created or
/// revoked on any node is in force on every node once the invalidation arrives (within a second on
/// PostgreSQL; the set's lifetime, <c>Vigil:Cache:Short</c>, is the backstop). While the cache is
/// not trusted (invalidations cannot be heard) each request looks its key up by hash.
/// </summary>
internal sealed partial class ApiKeyService
{
    private const string KeyPrefix = "vgl_";
    private const string BootstrapIdPrefix = "bootstrap-";
    private readonly ApiKeyRepository _repository;
    private readonly VigilCache _cache;
    private readonly TimeProvider _time;
    private readonly AuthOptions _options;
    private readonly ILogger<ApiKeyService> _logger;

    public ApiKeyService(ApiKeyRepository repository, VigilCache cache, TimeProvider time, IOptions<AuthOptions> options, ILogger<ApiKeyService> logger)
    {
        _repository = repository;
        _cache = cache;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    public static string Hash(string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Creates a key; returns the stored record and the key itself (shown once).</summary>
    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, string role, CancellationToken cancellationToken, long? seriesQuota = null, long? pointsPerSecondQuota = null)
    {
        var key = KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKeyRecord(
            Guid.CreateVersion7(_time.GetUtcNow()).ToString("N"), name, role, Hash(key), key[..12], _time.GetUtcNow().ToUnixTimeMilliseconds(), null, seriesQuota, pointsPerSecondQuota);
        await _repository.InsertAsync(record, cancellationToken).ConfigureAwait(false);
        await _cache.InvalidateAsync(CacheTags.ApiKeys, CancellationToken.None).ConfigureAwait(false);
        return (record, key);
    }

    /// <summary>The active key behind a presented secret, or null.</summary>
    public async ValueTask<ApiKeyRecord?> VerifyAsync(string presented, CancellationToken cancellationToken)
    {
        var hash = Hash(presented);
        if (!_cache.Trusted)
        {
            return await _repository.FindActiveByHashAsync(hash, cancellationToken).ConfigureAwait(false);
        }

        var active = await _cache.GetOrCreateAsync(
            CacheTags.ApiKeys, "active", CacheTier.Short, async ct => await _repository.ActiveByHashAsync(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return active.GetValueOrDefault(hash);
    }

    public async Task<bool> RevokeAsync(string id, CancellationToken cancellationToken)
    {
        var revoked = await _repository.RevokeAsync(id, _time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);
        if (revoked)
        {
            await _cache.InvalidateAsync(CacheTags.ApiKeys, CancellationToken.None).ConfigureAwait(false);
        }

        return revoked;
    }

    /// <summary>
    /// Makes sure an admin can get in: registers the bootstrap key when configured (revoking
    /// an earlier bootstrap key that the configuration no longer names), and when no active
    /// key exists at all, creates an admin key and prints it once.
    /// </summary>
    public async Task EnsureAdminAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(_options.BootstrapAdminKey))
        {
            var key = _options.BootstrapAdminKey;
            var hash = Hash(key);
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            // Only a fingerprint of the hash is shown in lists: an operator-chosen key may be short.
            var record = new ApiKeyRecord(BootstrapIdPrefix + hash[..12], "bootstrap admin (Vigil:Auth:BootstrapAdminKey)", Policies.Admin, hash, "sha256:" + hash[..6], nowMs, null);
            await _repository.InsertAsync(record, cancellationToken).ConfigureAwait(false);
            foreach (var id in await _repository.RevokeOthersAsync(BootstrapIdPrefix, hash, nowMs, cancellationToken).ConfigureAwait(false))
            {
                LogBootstrapRotated(id);
            }

            await _cache.InvalidateAsync(CacheTags.ApiKeys, CancellationToken.None).ConfigureAwait(false);
        }

        if (await _repository.CountActiveAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
            return;
        }

        var (created, secret) = await CreateAsync("initial admin", Policies.Admin, cancellationToken).ConfigureAwait(false);
        LogInitialKey(created.Id);
        Console.WriteLine();
        Console.WriteLine("  Vigil created an admin API key. It is shown only this once; keep it safe:");
        Console.WriteLine();
        Console.WriteLine($"      {secret}");
        Console.WriteLine();
        Console.WriteLine("  Send it as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
        Console.WriteLine();
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Revoked the earlier bootstrap admin key {KeyId}: Vigil:Auth:BootstrapAdminKey names another key now")]
    private partial void LogBootstrapRotated(string keyId);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "No API key existed, so an admin key ({KeyId}) was created and printed to the console once")]
    private partial void LogInitialKey(string keyId);
}
