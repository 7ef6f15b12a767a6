using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Vigil.Storage.Secrets;

/// <summary>
/// Opens the key ring before anything reads it: loads the master key, checks that it decrypts
/// every encrypted key, and encrypts the keys an older Vigil stored in clear. A missing or wrong
/// master key stops the start with one line that names the setting or file, and changes nothing.
/// </summary>
public sealed partial class KeyRingStartup : IHostedService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Migrator _migrator;
    private readonly DataProtectionKeyStore _store;
    private readonly MasterKeySource _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private bool _prepared;

    internal KeyRingStartup(Migrator migrator, DataProtectionKeyStore store, MasterKeySource source, TimeProvider time, ILogger<KeyRingStartup> logger)
    {
        _migrator = migrator;
        _store = store;
        _source = source;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// The start-up check outside the host (Program.cs), so a missing or wrong key is one line on
    /// the console instead of the host's stack trace.
    /// </summary>
    /// <returns>False (with the line written to <paramref name="error"/>) when Vigil must not start.</returns>
    public static async Task<bool> TryPrepareAsync(IServiceProvider services, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            _ = services.GetRequiredService<IOptions<SecretsOptions>>().Value;
            await services.GetRequiredService<KeyRingStartup>().PrepareAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SecretsUnavailableException ex)
        {
            await error.WriteLineAsync($"Vigil cannot start: {ex.Message}").ConfigureAwait(false);
            return false;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync($"Vigil cannot start: {string.Join(" ", ex.Failures)}").ConfigureAwait(false);
            return false;
        }
    }

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => PrepareAsync(cancellationToken);

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Loads the key and protects the ring, once per process.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_prepared)
            {
                return;
            }

            await _migrator.MigrateAsync(_time.GetUtcNow().ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false);

            // Another process may encrypt the same keys at the same moment: then read them again.
            for (var attempt = 1; ; attempt++)
            {
                var rows = await _store.RowsAsync(cancellationToken).ConfigureAwait(false);
                var elements = rows.Select(r => (Row: r, Element: XElement.Parse(r.Xml))).ToList();
                var key = _source.Load(ringIsEncrypted: elements.Any(e => KeyRingXml.IsEncrypted(e.Element)));
                foreach (var (row, element) in elements.Where(e => KeyRingXml.IsEncrypted(e.Element)))
                {
                    try
                    {
                        KeyRingXml.Verify(element, key);
                    }
                    catch (CryptographicException ex)
                    {
                        throw new SecretsUnavailableException(
                            $"The key ring in the database does not open with {_source.Describe()}: {ex.Message} (key '{row.Name}'). Use the key it was encrypted with; nothing was changed.", ex);
                    }
                }

                var clear = elements.Where(e => KeyRingXml.HasSecretInClear(e.Element))
                    .Select(e => new DataProtectionKeyRewrite(e.Row.Name, e.Row.Xml, KeyRingXml.Protect(e.Element, key, key)!.ToString(SaveOptions.DisableFormatting)))
                    .ToList();
                if (clear.Count == 0)
                {
                    break;
                }

                if (await _store.RewriteAsync(clear, cancellationToken).ConfigureAwait(false))
                {
                    LogEncrypted(clear.Count, key.Id);
                    break;
                }

                if (attempt == 3)
                {
                    throw new SecretsUnavailableException("The key ring kept changing while Vigil encrypted it (another process?); start again.");
                }
            }

            _prepared = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "Encrypted {Count} Data Protection key(s) stored in clear by an older Vigil under master key {KeyId}")]
    private partial void LogEncrypted(int count, string keyId);
}
