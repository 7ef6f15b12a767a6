using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Vigil.Server.Tests.Hosting;

/// <summary>The server as a user starts it: its own process, real Kestrel, embedded SQLite in ./data.</summary>
public sealed partial class ServerProcessTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigil-process-").FullName;

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
    public async Task FirstStart_NoConfiguration_CreatesDatabaseAndPrintsAWorkingAdminKeyOnce()
    {
        string key;
        await using (var server = ServerProcess.Start(_folder))
        {
            await server.WaitUntilReadyAsync();
            Assert.True(File.Exists(Path.Combine(_folder, "data", "vigil.db")), server.Output);
            key = KeyPattern().Match(server.Output).Value;
            Assert.NotEmpty(key);

            var created = await server.Client(key).PostAsJsonAsync("/api/v1/keys", new { name = "ci", role = "ingest" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            await server.StopGracefullyAsync();
        }

        await using var again = ServerProcess.Start(_folder);
        await again.WaitUntilReadyAsync();
        Assert.DoesNotMatch(KeyPattern(), again.Output);
        Assert.Equal(HttpStatusCode.OK, (await again.Client(key).GetAsync("/api/v1/keys")).StatusCode);
    }

    [Fact]
    public async Task GracefulStop_ThenStart_AggregatesSurvive()
    {
        var settings = new Dictionary<string, string> { ["Vigil__Auth__BootstrapAdminKey"] = VigilApp.AdminKey };
        await using (var server = ServerProcess.Start(_folder, settings))
        {
            await server.WaitUntilReadyAsync();
            var at = DateTimeOffset.UtcNow.AddMinutes(-3);
            var response = await server.Client(VigilApp.AdminKey).PostAsync("/api/v1/metrics", Json.Body(Json.Timings("lat", Enumerable.Range(1, 100).Select(i => (double)i), """{"route":"/a"}""", at)));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await server.StopGracefullyAsync();
            Assert.Equal(0, server.ExitCode);
        }

        await using var restarted = ServerProcess.Start(_folder, settings);
        await restarted.WaitUntilReadyAsync();
        var count = await (await restarted.Client(VigilApp.AdminKey).GetAsync("/api/v1/series?metric=lat&agg=count")).ReadAsync();
        Assert.Equal(100, count.GetProperty("series")[0].GetProperty("points")[0][1].GetDouble());
    }

    [Fact]
    public async Task PostMetrics_BodyOverTheLimit_Gets413Problem()
    {
        await using var server = ServerProcess.Start(_folder, new Dictionary<string, string>
        {
            ["Vigil__Auth__BootstrapAdminKey"] = VigilApp.AdminKey,
            ["Vigil__Http__MaxRequestBodyBytes"] = "2048",
        });
        await server.WaitUntilReadyAsync();
        var client = server.Client(VigilApp.AdminKey);

        var tooLarge = await client.PostAsync("/api/v1/metrics", Json.Body(Json.Timings("lat", Enumerable.Repeat(1.0, 100), "{}", DateTimeOffset.UtcNow)));
        var small = await client.PostAsync("/api/v1/metrics", Json.Body(Json.Timings("lat", [1.0], "{}", DateTimeOffset.UtcNow)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Accepted, small.StatusCode);
    }

    // Every setting's check is in StartupChecksTests (in-process, one per setting); these few
    // prove the whole path of a started process: one line, exit 2, no database.
    [Theory]
    [InlineData("Vigil__Storage__Provider", "postgres", "Vigil:Storage:ConnectionString")]
    [InlineData("Vigil__Metrics__MaxSeries", "lots", "Vigil:Metrics:MaxSeries")]
    [InlineData("Vigil__Secrets__MasterKey", "not-a-key", "Vigil:Secrets:MasterKey")]
    [InlineData("Vigil__Schedules__cleanup__Cron", "every night", "Vigil:Schedules:cleanup:Cron 'every night' is not a valid cron expression")]
    public async Task Start_BadSetting_OneLineNamingTheSettingExit2NoDatabase(string name, string value, string named)
    {
        await using var server = ServerProcess.Start(_folder, new Dictionary<string, string> { [name] = value });

        await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, server.ExitCode);
        var line = Assert.Single(server.ErrorLines);
        Assert.StartsWith("Vigil cannot start: ", line, StringComparison.Ordinal);
        Assert.Contains(named, line, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), server.Output);
        Assert.False(File.Exists(Path.Combine(_folder, "data", "vigil.db")), "the database was created before the setting was checked");
    }

    [Fact]
    public async Task Start_PortInUse_OneLineNamingTheAddressExit1NoDatabase()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var server = ServerProcess.Start(_folder, port: port);
        await server.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, server.ExitCode);
        var line = Assert.Single(server.ErrorLines);
        Assert.Equal($"Vigil cannot start: http://127.0.0.1:{port} is already in use by another process: stop it, or listen elsewhere with --urls / ASPNETCORE_URLS (e.g. --urls http://127.0.0.1:5081).", line);
        Assert.DoesNotMatch(StackFrame(), server.Output);
        Assert.False(File.Exists(Path.Combine(_folder, "data", "vigil.db")), "the database was created before the address was checked");
    }

    [Fact]
    public async Task Start_GarbageCollector_ServerWithoutDynamicAdaptation()
    {
        // DATAS (dynamic adaptation) collects every few hundred milliseconds through a burst of work,
        // pausing ingest each time: the server's runtimeconfig turns it off (BENCHMARKS, "Ingest while
        // the analysis runs"), and the advanced health check says what the process runs.
        await using var server = ServerProcess.Start(_folder);
        await server.WaitUntilReadyAsync();

        var health = await (await server.Client(null).GetAsync("/api/health/advanced")).ReadAsync();

        var gc = health.GetProperty("checks").GetProperty("advanced").GetProperty("details").GetProperty("memory").GetProperty("gc");
        Assert.Equal("server", gc.GetProperty("mode").GetString());
        Assert.False(gc.GetProperty("dynamicAdaptation").GetBoolean());
    }

    [Fact]
    public async Task GetMetrics_RealisticData_PassesPromtoolCheck()
    {
        var promtool = Environment.GetEnvironmentVariable("VIGIL_TEST_PROMTOOL")
            ?? throw new InvalidOperationException("VIGIL_TEST_PROMTOOL is not set: run the tests with ./test.sh, which installs promtool (Debian package prometheus).");
        await using var server = ServerProcess.Start(_folder, new Dictionary<string, string> { ["Vigil__Auth__BootstrapAdminKey"] = VigilApp.AdminKey });
        await server.WaitUntilReadyAsync();
        var client = server.Client(VigilApp.AdminKey);
        var now = DateTimeOffset.UtcNow;
        await client.PostAsync("/api/v1/metrics", Json.Body(Json.Timings("http_request_duration_ms", [12, 48, 230], """{"route":"/orders/{id}","method":"GET","status":"200"}""", now)));
        await client.PostAsync("/api/v1/metrics", Json.Body(Json.Timings("http_request_duration_ms", [1200], """{"route":"/orders","method":"POST","status":"500"}""", now)));
        await client.PostAsync("/api/v1/metrics", Json.Body("""
            {"points":[
              {"name":"orders_created","type":"counter","value":3,"labels":{"shop":"a \"quoted\" \\ name\nnext"}},
              {"name":"cache_hits_total","type":"counter","value":10},
              {"name":"queue_depth","type":"gauge","value":-2.5,"labels":{"queue":"email"}},
              {"name":"heap_used_ratio","type":"gauge","value":0.71}
            ]}
            """));
        await client.PostAsync("/api/v1/jobs/executions", Json.Body("""{"executions":[{"jobId":"export-data","success":false,"durationMs":61000}]}"""));

        var exposition = await client.GetAsync("/metrics");
        var text = await exposition.Content.ReadAsStringAsync();

        Assert.StartsWith("text/plain", exposition.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("http_request_duration_seconds_count{method=\"GET\",route=\"/orders/{id}\",status=\"200\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("orders_created_total{shop=\"a \\\"quoted\\\" \\\\ name\\nnext\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("queue_depth{queue=\"email\"} -2.5", text, StringComparison.Ordinal);
        Assert.Contains("vigil_http_request_duration_seconds_count{method=\"POST\",route=\"/api/v1/metrics\",status=\"202\"}", text, StringComparison.Ordinal);
        var (exitCode, output) = await RunAsync(promtool, "check metrics", text);
        Assert.True(exitCode == 0, $"promtool check metrics failed ({exitCode}):\n{output}\n---\n{text}");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string arguments, string input)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    [GeneratedRegex(@"^\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex("vgl_[A-Za-z0-9_-]{40,}")]
    private static partial Regex KeyPattern();
}
