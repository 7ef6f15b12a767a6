using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Vigil.LoadTest;

/// <summary>One server process of a <see cref="LocalCluster"/>.</summary>
/// <param name="Index">0, 1, 2… in start order.</param>
/// <param name="Url">Its base address (loopback, a free port).</param>
/// <param name="Process">The process (<c>dotnet Vigil.Server.dll</c>; its pid is the server's).</param>
/// <param name="Stats">Its CPU and memory from /proc.</param>
internal sealed record ClusterNode(int Index, Uri Url, Process Process, ServerProcess Stats)
{
    public int Pid => Process.Id;

    public bool Exited => Process.HasExited;
}

/// <summary>
/// A fresh PostgreSQL database (<c>bench_…</c>, dropped at the end unless kept) and N Release
/// server processes on it, started from the build output as <c>dotnet Vigil.Server.dll --contentRoot
/// &lt;build dir&gt;</c> (so its <c>appsettings.json</c> applies). The first one starts alone (it
/// runs the migrations), the others after it. Logs go to a temp directory, kept on failure.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private readonly string _adminConnectionString;
    private readonly string _folder;
    private readonly bool _keepDatabase;

    private LocalCluster(string adminConnectionString, string database, string connectionString, string folder, bool keepDatabase)
    {
        _adminConnectionString = adminConnectionString;
        Database = database;
        ConnectionString = connectionString;
        _folder = folder;
        _keepDatabase = keepDatabase;
    }

    /// <summary>The database's name.</summary>
    public string Database { get; }

    /// <summary>A connection string to it (for the statistics).</summary>
    public string ConnectionString { get; }

    /// <summary>The server processes, in start order.</summary>
    public List<ClusterNode> Nodes { get; } = [];

    /// <summary>Where the servers' logs are.</summary>
    public string LogFolder => _folder;

    public static async Task<LocalCluster> StartAsync(int count, LoadTestOptions options, TextWriter log, CancellationToken cancellationToken)
    {
        var dll = options.ServerDll ?? FindServerDll();
        var database = string.Create(CultureInfo.InvariantCulture, $"bench_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{count}n_{Random.Shared.Next(1000):D3}");
        var admin = new NpgsqlConnectionStringBuilder(options.Postgres) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var target = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = database };
        var cluster = new LocalCluster(admin.ConnectionString, database, target.ConnectionString, Directory.CreateTempSubdirectory("vigil-cluster-bench-").FullName, options.KeepDatabase);
        try
        {
            await log.WriteLineAsync($"database {database}; server {dll}; logs in {cluster.LogFolder}").ConfigureAwait(false);
            await cluster.StartNodeAsync(dll, options, cancellationToken).ConfigureAwait(false);
            await Task.WhenAll(Enumerable.Range(1, count - 1).Select(_ => cluster.StartNodeAsync(dll, options, cancellationToken))).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts one more node on the same database.</summary>
    public Task AddNodeAsync(LoadTestOptions options, CancellationToken cancellationToken) =>
        StartNodeAsync(options.ServerDll ?? FindServerDll(), options, cancellationToken);

    /// <summary>The node with this pid, or null.</summary>
    public ClusterNode? ByPid(int pid) => Nodes.FirstOrDefault(n => n.Pid == pid);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes.Where(n => !n.Exited))
        {
            using var term = Process.Start("kill", ["-TERM", node.Pid.ToString(CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync().ConfigureAwait(false);
        }

        foreach (var node in Nodes)
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await node.Process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                node.Process.Kill();
            }

            node.Process.Dispose();
        }

        if (!_keepDatabase)
        {
            await using var connection = new NpgsqlConnection(_adminConnectionString);
            await connection.OpenAsync().ConfigureAwait(false);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    private async Task StartNodeAsync(string dll, LoadTestOptions options, CancellationToken cancellationToken)
    {
        var url = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{FreePort()}"));
        var logFile = Path.Combine(_folder, $"node-{url.Port}.log");
        // exec: the shell becomes the server, so the pid is the server's and its output goes to the file.
        var start = new ProcessStartInfo("/bin/sh", ["-c", "exec dotnet \"$0\" --urls \"$1\" --contentRoot \"$2\" > \"$3\" 2>&1", dll, url.ToString().TrimEnd('/'), Path.GetDirectoryName(dll)!, logFile])
        {
            UseShellExecute = false,
        };
        start.Environment["Vigil__Storage__Provider"] = "Postgres";
        start.Environment["Vigil__Storage__ConnectionString"] = ConnectionString;
        start.Environment["Vigil__Auth__BootstrapAdminKey"] = options.Key;
        start.Environment["Vigil__Delivery__AllowPrivateNetworks"] = "true";
        // One key sends everything: its quotas are not what is measured.
        start.Environment["Vigil__Quotas__PointsPerSecondPerKey"] = "100000000";
        start.Environment["Vigil__Quotas__SeriesPerKey"] = "100000000";
        if (options.Redis is { } redis)
        {
            start.Environment["Vigil__Redis__ConnectionString"] = redis;
        }

        foreach (var (name, value) in options.ServerEnvironment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the server on {url} exited with {process.ExitCode}: see {logFile}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(url, "/api/health?quick=true"), cancellationToken).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(90))
            {
                process.Kill();
                throw new InvalidOperationException($"the server on {url} did not answer within 90 s: see {logFile}");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }

        lock (Nodes)
        {
            Nodes.Add(new ClusterNode(Nodes.Count, url, process, new ServerProcess(process.Id)));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // src/Vigil.Server/bin/Release/net10.0/Vigil.Server.dll above this tool's output.
    private static string FindServerDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "Vigil.Server", "bin", "Release", "net10.0", "Vigil.Server.dll");
                return File.Exists(dll) ? dll : throw new ArgumentException($"{dll} is missing: dotnet build -c Release src/Vigil.Server (or --server PATH).");
            }
        }

        throw new ArgumentException("Vigil.sln not found above the tool: pass --server PATH/Vigil.Server.dll.");
    }
}
