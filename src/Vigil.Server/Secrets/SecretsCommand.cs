using System.Xml.Linq;
using Vigil.Storage.Delivery;

namespace Vigil.Server.Secrets;

/// <summary>
/// <c>vigil secrets rotate-master-key</c>: re-encrypts the key ring under a new master key, in one
/// transaction. With a key file the new key replaces it (the old one is of no use afterwards);
/// with <c>Vigil:Secrets:MasterKey</c> the new key is printed once, to be set before the next start.
/// Run it with the servers stopped: a running server keeps the old key in memory.
/// </summary>
internal sealed class SecretsCommand(KeyRingStartup startup, MasterKeySource source, DataProtectionKeyStore store)
{
    /// <summary>The first argument that selects this command.</summary>
    public const string Verb = "secrets";

    /// <summary>Runs the command <paramref name="args"/> names; the process exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (args is not [Verb, "rotate-master-key"])
        {
            await error.WriteLineAsync("Usage: Vigil.Server secrets rotate-master-key   (re-encrypts the key ring under a new master key; stop the servers first)").ConfigureAwait(false);
            return 2;
        }

        try
        {
            await startup.PrepareAsync(cancellationToken).ConfigureAwait(false);
            return await RotateAsync(output, error, cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsUnavailableException ex)
        {
            await error.WriteLineAsync($"Vigil cannot rotate the master key: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private async Task<int> RotateAsync(TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var old = source.Current;
        var keyFile = source.KeyFile;
        var next = MasterKey.Generate(keyFile is null ? "the new Vigil:Secrets:MasterKey" : $"the key file {keyFile}");
        var rewrites = (await store.RowsAsync(cancellationToken).ConfigureAwait(false))
            .Select(row => (Row: row, Protected: KeyRingXml.Protect(XElement.Parse(row.Xml), old, next)))
            .Where(r => r.Protected is not null)
            .Select(r => new DataProtectionKeyRewrite(r.Row.Name, r.Row.Xml, r.Protected!.ToString(SaveOptions.DisableFormatting)))
            .ToList();

        // The new key is on disk before the ring needs it; it replaces the old file only after the commit.
        var pending = keyFile is null ? null : keyFile + ".new";
        if (pending is not null)
        {
            MasterKeySource.WriteKeyFile(pending, next, overwrite: true);
        }

        if (!await store.RewriteAsync(rewrites, cancellationToken).ConfigureAwait(false))
        {
            if (pending is not null)
            {
                File.Delete(pending);
            }

            await error.WriteLineAsync("The key ring changed during the rotation (is a server running?); nothing was changed. Stop the servers and run it again.").ConfigureAwait(false);
            return 1;
        }

        source.Use(next);
        if (pending is not null)
        {
            File.Move(pending, keyFile!, overwrite: true);
            await output.WriteLineAsync($"Re-encrypted {rewrites.Count} key(s) under the new master key {next.Id} in {keyFile}. Back this file up now (never with the database): the old key no longer opens the key ring.").ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync($"Re-encrypted {rewrites.Count} key(s) under the new master key {next.Id}. Set Vigil:Secrets:MasterKey (environment variable Vigil__Secrets__MasterKey) to the line below before the next start; the old key no longer opens the key ring.").ConfigureAwait(false);
            await output.WriteLineAsync(next.ToBase64()).ConfigureAwait(false);
        }

        return 0;
    }
}
