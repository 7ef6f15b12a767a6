using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Client;

namespace Vigil.Server.Tests.Hosting;

/// <summary>The SDK against the real server process: what an application sends is what a user reads back.</summary>
public sealed class ClientToServerTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("vigil-client-").FullName;

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
    public async Task VigilClient_TimingsAndJobs_ServerReportsP95PerLabelSetWithinOnePercent()
    {
        await using var server = ServerProcess.Start(_folder, new Dictionary<string, string> { ["Vigil__Auth__BootstrapAdminKey"] = VigilApp.AdminKey });
        await server.WaitUntilReadyAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddVigilClient(o =>
        {
            o.Endpoint = server.BaseAddress;
            o.ApiKey = VigilApp.AdminKey;
        });
        using var app = builder.Build();
        await app.StartAsync();
        var client = app.Services.GetRequiredService<IVigilClient>();
        var random = new Random(7);
        var values = new Dictionary<string, List<double>> { ["/orders/{id}"] = [], ["/search"] = [] };

        foreach (var (route, list) in values)
        {
            for (var i = 0; i < 1500; i++)
            {
                var ms = Math.Round(Math.Exp((route == "/search" ? 5 : 3) + (random.NextDouble() * 1.5)), 3);
                list.Add(ms);
                client.Timing("http_request_duration_ms", ms, new Dictionary<string, string> { ["route"] = route, ["method"] = "GET", ["status"] = "200" });
            }
        }

        await client.TrackJobAsync("export-data", _ => Task.CompletedTask);
        await client.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        await app.StopAsync();

        var http = server.Client(VigilApp.AdminKey);
        var series = await (await http.GetAsync("/api/v1/series?metric=http_request_duration_ms&agg=p95")).ReadAsync();
        var byRoute = series.GetProperty("series").EnumerateArray().ToDictionary(
            s => s.GetProperty("labels").GetProperty("route").GetString()!, s => s.GetProperty("points")[0][1].GetDouble());
        foreach (var (route, list) in values)
        {
            var sorted = list.Order().ToArray();
            var exact = sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1];
            Assert.True(Math.Abs(byRoute[route] - exact) <= 0.01 * exact, $"{route}: exact {exact}, Vigil {byRoute[route]}");
        }

        var summary = await (await http.GetAsync("/api/v1/metrics?jobId=export-data")).ReadAsync();
        Assert.Equal(1, Assert.Single(summary.GetProperty("jobs").EnumerateArray()).GetProperty("totalExecutions").GetInt64());
        Assert.Equal(0, client.Stats.Dropped);
    }
}
