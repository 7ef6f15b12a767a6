using System.Net;
using Vigil.Server.Tests.Hosting;

namespace Vigil.Server.Tests.Secrets;

/// <summary>The master key as an operator meets it: the key file at first start, a failed start, the rotation command.</summary>
public sealed class SecretsProcessTests : IDisposable
{
    private const string Channel = """{"name":"ops-webhook","type":"webhook","config":{"url":"https://hooks.example.com/t0ken","bearerToken":"bearer-s3cret"}}""";

    private static readonly Dictionary<string, string> Settings = new() { ["Vigil__Auth__BootstrapAdminKey"] = VigilApp.AdminKey };

    private readonly string _folder = Directory.CreateTempSubdirectory("vigil-secrets-").FullName;

    private string KeyFile => Path.Combine(_folder, "data", "vigil.key");

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task FirstStart_CreatesAnOwnerOnlyKeyFile_StartWithoutItFailsInOneLine()
    {
        var channelId = await StartCreateChannelAndStopAsync();
        Assert.True(File.Exists(KeyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        }

        var key = await File.ReadAllTextAsync(KeyFile);
        File.Delete(KeyFile);
        await using (var server = ServerProcess.Start(_folder, Settings))
        {
            await server.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, server.ExitCode);
            var line = Assert.Single(server.Output.Split('\n'), l => l.Contains("Vigil cannot start", StringComparison.Ordinal));
            Assert.Contains(KeyFile, line, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", server.Output, StringComparison.Ordinal); // no stack trace
            Assert.False(File.Exists(KeyFile));
        }

        await File.WriteAllTextAsync(KeyFile, key);
        await using var restored = ServerProcess.Start(_folder, Settings);
        await restored.WaitUntilReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await restored.Client(VigilApp.AdminKey).GetAsync($"/api/v1/channels/{channelId}")).StatusCode);
    }

    [Fact]
    public async Task RotateMasterKey_ReencryptsTheRing_NewKeyOpensItAndTheOldOneNoLonger()
    {
        var channelId = await StartCreateChannelAndStopAsync();
        var oldKey = await File.ReadAllTextAsync(KeyFile);

        var (exitCode, output) = await ServerProcess.RunAsync(_folder, Settings, "secrets", "rotate-master-key");

        Assert.True(exitCode == 0, output);
        Assert.Contains("Re-encrypted", output, StringComparison.Ordinal);
        var newKey = await File.ReadAllTextAsync(KeyFile);
        Assert.NotEqual(oldKey, newKey);
        Assert.DoesNotContain(newKey.Trim(), output, StringComparison.Ordinal); // a key file's key is not printed
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        }

        await using (var server = ServerProcess.Start(_folder, Settings))
        {
            await server.WaitUntilReadyAsync();
            var channel = await (await server.Client(VigilApp.AdminKey).GetAsync($"/api/v1/channels/{channelId}")).ReadAsync();
            Assert.Equal("ops-webhook", channel.GetProperty("name").GetString());
            await server.StopGracefullyAsync();
        }

        await File.WriteAllTextAsync(KeyFile, oldKey);
        await using var withTheOldKey = ServerProcess.Start(_folder, Settings);
        await withTheOldKey.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(1, withTheOldKey.ExitCode);
        Assert.Contains("does not open with", withTheOldKey.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateMasterKey_KeyFromConfiguration_PrintsTheNewKeyWhichThenOpensTheRing()
    {
        var configured = new Dictionary<string, string>(Settings) { ["Vigil__Secrets__MasterKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) };
        var channelId = await StartCreateChannelAndStopAsync(configured);
        Assert.False(File.Exists(KeyFile));

        var (exitCode, output) = await ServerProcess.RunAsync(_folder, configured, "secrets", "rotate-master-key");

        Assert.True(exitCode == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var newKey = lines[Array.FindIndex(lines, l => l.StartsWith("Re-encrypted", StringComparison.Ordinal)) + 1];
        configured["Vigil__Secrets__MasterKey"] = newKey;
        await using var server = ServerProcess.Start(_folder, configured);
        await server.WaitUntilReadyAsync();
        Assert.Equal(HttpStatusCode.OK, (await server.Client(VigilApp.AdminKey).GetAsync($"/api/v1/channels/{channelId}")).StatusCode);
    }

    private async Task<string> StartCreateChannelAndStopAsync(Dictionary<string, string>? settings = null)
    {
        await using var server = ServerProcess.Start(_folder, settings ?? Settings);
        await server.WaitUntilReadyAsync();
        var created = await server.Client(VigilApp.AdminKey).PostAsync("/api/v1/channels", Json.Body(Channel));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.ReadAsync()).GetProperty("id").GetString()!;
        await server.StopGracefullyAsync();
        return id;
    }
}
