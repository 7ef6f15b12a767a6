using Vigil.Storage.Secrets;

namespace Vigil.Server.Secrets;

/// <summary>
/// <c>vigil secrets rotate-master-key</c>: re-encrypts the key ring under a new master key, in one
/// transaction (<see cref="MasterKeyRotation"/>). With a key file the new key replaces it (the old
/// one is of no use afterwards); with <c>Vigil:Secrets:MasterKey</c> the new key is printed once, to
/// be set before the next start. Run it with the servers stopped: a running server keeps the old key in memory.
/// </summary>
internal sealed class SecretsCommand(MasterKeyRotation rotation)
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

        RotatedMasterKey? rotated;
        try
        {
            rotated = await rotation.RotateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SecretsUnavailableException ex)
        {
            await error.WriteLineAsync($"Vigil cannot rotate the master key: {ex.Message}").ConfigureAwait(false);
            return 1;
        }

        if (rotated is null)
        {
            await error.WriteLineAsync("The key ring changed during the rotation (is a server running?); nothing was changed. Stop the servers and run it again.").ConfigureAwait(false);
            return 1;
        }

        if (rotated.KeyFile is { } keyFile)
        {
            await output.WriteLineAsync($"Re-encrypted {rotated.Reencrypted} key(s) under the new master key {rotated.KeyId} in {keyFile}. Back this file up now (never with the database): the old key no longer opens the key ring.").ConfigureAwait(false);
        }
        else
        {
            await output.WriteLineAsync($"Re-encrypted {rotated.Reencrypted} key(s) under the new master key {rotated.KeyId}. Set Vigil:Secrets:MasterKey (environment variable Vigil__Secrets__MasterKey) to the line below before the next start; the old key no longer opens the key ring.").ConfigureAwait(false);
            await output.WriteLineAsync(rotated.NewKey).ConfigureAwait(false);
        }

        return 0;
    }
}
