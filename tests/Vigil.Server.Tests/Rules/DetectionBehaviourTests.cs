using System.Diagnostics;
using Vigil.Server.Tests.Hosting;

namespace Vigil.Server.Tests.Rules;

/// <summary>
/// The detection-quality tool of <c>bench/detection</c> (issue 12, item 7) against the server
/// started as a user runs it: a week of generated per-request traffic for three services, a clean
/// day, then one incident of each kind (latency ×2.5, errors 15 %, a stopped stream, traffic ×3),
/// backfilled through the ingest API and replayed through the backtest API. The shipped default
/// rules, untuned, must catch every incident and fire on nothing else.
/// </summary>
public sealed class DetectionBehaviourTests : IDisposable
{
    private const string Key = "detection-admin-key-0123456789";
    private readonly string _folder = Directory.CreateTempSubdirectory("vigil-detection-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task DefaultRules_CiCorpus_CatchEveryIncidentKind_AndNothingElse()
    {
        await using var server = ServerProcess.Start(_folder, new Dictionary<string, string> { ["Vigil__Auth__BootstrapAdminKey"] = Key });
        await server.WaitUntilReadyAsync();

        var (exitCode, output) = await RunToolAsync(
            server.BaseAddress.ToString(), "--key", Key, "--corpus", "ci", "--replay-days", "2",
            "--min-recall", "1", "--min-precision", "0.95", "--out", Path.Combine(_folder, "result.json"));

        // The tool's own gates: exit 1 when an incident kind is missed or the precision is under 0.95.
        Assert.True(exitCode == 0, $"the tool exited with {exitCode}:\n{output}\n\nthe server printed:\n{server.Output}");
    }

    private static async Task<(int ExitCode, string Output)> RunToolAsync(params string[] args)
    {
        var info = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot(),
        };
        info.ArgumentList.Add(Path.Combine("bench", "detection", "detect.py"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Vigil.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No Vigil.sln above {AppContext.BaseDirectory}: the test runs from the repository's build output.");
    }
}
