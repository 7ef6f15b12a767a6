using System.Globalization;

namespace Vigil.LoadTest;

/// <summary>What to measure.</summary>
internal enum LoadTestMode
{
    Throughput,
    Memory,
    Latency,
    Fanout,
    Queries,
    Otlp,
    Cluster,
}

/// <summary>
/// The command line, parsed from <c>--name value</c> pairs. Every option has a default that
/// matches the HTTP-ingest target of SPEC §5 (batches of 1000, 8 connections, 20 s).
/// </summary>
internal sealed class LoadTestOptions
{
    public const string Usage = """
        Vigil.LoadTest: measures a running Vigil server's HTTP ingest (POST /api/v1/metrics).

          --mode throughput|memory|latency|fanout|queries  throughput (default): POST batches for --duration;
                                     memory: one hour of 10 s buckets for --series series, then RSS growth / series;
                                     latency: ingest call → notification intent in the feed (or the webhook receiver), per new alert;
                                     fanout: one ingest call → --deliveries alerts delivered to slow webhook receivers;
                                     queries: heavy GET /api/v1/series from several viewer keys while ingest runs
          --mode otlp                throughput, but of --payload (an OTLP/HTTP protobuf export, or the JSON baseline)
          --payload metrics|traces|json  otlp: metrics (default): --batch data points of one gauge (or delta sum for
                                     --type counter) to /v1/metrics; traces: --batch spans (traces of 10: a server span
                                     GET /r{k}, k < --series, and 9 database calls) to /v1/traces; json: POST /api/v1/metrics
          --total N                  otlp: stop once N points (spans) were accepted (set --duration long enough)
          cluster (first argument, or --mode cluster)  starts N Release servers on a fresh PostgreSQL
                                     database itself, for each N of --nodes: ingest round robin, alert latency
                                     through a node that is not the evaluator, evaluator takeover after SIGKILL
          --nodes 1,2,3              cluster: node counts, one fresh database and set of servers each
          --postgres CONNSTR         cluster: a PostgreSQL server (the user may CREATE DATABASE; env VIGIL_TEST_POSTGRES)
          --redis HOST:PORT          cluster: give the servers Vigil:Redis:ConnectionString and count Redis commands
          --server PATH              cluster: Vigil.Server.dll (default src/Vigil.Server/bin/Release/net10.0)
          --server-env NAME=value    cluster: an extra environment variable for every server (repeatable)
          --phases ingest,latency,takeover  cluster: what to measure; cache (not by default): page loads of the
                                     cached reads over the nodes with a rule edit every 10 s, latency and hit rate
          --rate 0                   cluster ingest: paced to this many points/s in all; 0 = as fast as it goes
          --takeovers 1              cluster: SIGKILLs of the evaluator per node count (a new node after each)
          --keep-database            cluster: do not drop the bench database at the end
          --query-concurrency 6,2    queries: one viewer key per entry, each with that many queries in flight
          --query-range 1h           queries: the range every query covers (filled with 10 s buckets first)
          --query-step 10s           queries: the step of every query
          --query-agg p95            queries: the aggregation of every query
          --receiver feed|webhook    latency: feed (default) polls GET /api/v1/notifications for the intent; webhook
                                     creates a webhook channel to a loopback receiver and times its arrival there
          --deliveries 1000          fanout: alerts (one delivery each)
          --channels 1               fanout: webhook channels (and receivers); alerts spread evenly over them
          --max-concurrency 10       fanout: maxConcurrency of each channel (1-10)
          --receiver-delay 100ms     fanout: how long each receiver holds every request before answering 200
          --warmup-deliveries 1000   fanout: alerts delivered off the clock first, in each of --warmup-rounds rounds
                                     (to a receiver that answers at once), each round followed by a wait for the
                                     server's CPU to settle (with --pid)
          --warmup-rounds 3          fanout: 3 = the JIT's tiers done, as on a server that has been running;
                                     1 with --warmup-deliveries 20 = a server that has just started
          --episodes 100             latency: alerts to time
          --poll 5ms                 latency: how often the feed is polled
          --background-rate 0        latency: background ingest in points/s (batches of --batch over --series
                                     series, from --concurrency workers); 0 = none
          --raw                      latency: also print every latency (stderr)
          --url URL                  server base address (default http://127.0.0.1:5080)
          --key KEY                  an admin or ingest API key (or env VIGIL_LOADTEST_KEY)
          --duration 20s             measured time (throughput)
          --warmup 5s                unmeasured time before it (throughput)
          --batch 1000               points per request
          --concurrency 8            requests in flight (and connections)
          --series 1000              distinct label sets (route=/r{i % N})
          --type timing|gauge|counter  point type (default timing; gauges are sent as loadtest_queue_depth,
                                     counters as loadtest_requests_total)
          --timestamps live|none     live (default): every point stamped at send time; none: server's clock
          --pid PID                  the server's process id: report its VmRSS and CPU from /proc
          --settle 15s               memory mode: wait this long after sending before the last RSS reading
          --seed 42                  random seed of the values
          --no-header                print only the table row
        """;

    public LoadTestMode Mode { get; private set; } = LoadTestMode.Throughput;

    public Uri Url { get; private set; } = new("http://127.0.0.1:5080");

    public string Key { get; private set; } = Environment.GetEnvironmentVariable("VIGIL_LOADTEST_KEY") ?? "";

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(5);

    public int Batch { get; private set; } = 1000;

    public int Concurrency { get; private set; } = 8;

    public int Series { get; private set; } = 1000;

    public string Type { get; private set; } = "timing";

    public bool LiveTimestamps { get; private set; } = true;

    public int? Pid { get; private set; }

    public TimeSpan Settle { get; private set; } = TimeSpan.FromSeconds(15);

    public int Seed { get; private set; } = 42;

    public bool Header { get; private set; } = true;

    public int Episodes { get; private set; } = 100;

    public TimeSpan Poll { get; private set; } = TimeSpan.FromMilliseconds(5);

    public int BackgroundRate { get; private set; }

    public bool Raw { get; private set; }

    public bool WebhookReceiver { get; private set; }

    public int Deliveries { get; private set; } = 1000;

    public int Channels { get; private set; } = 1;

    public int MaxConcurrency { get; private set; } = 10;

    public TimeSpan ReceiverDelay { get; private set; } = TimeSpan.FromMilliseconds(100);

    public int WarmupDeliveries { get; private set; } = 1000;

    public int WarmupRounds { get; private set; } = 3;

    public IReadOnlyList<int> QueryConcurrency { get; private set; } = [6, 2];

    public TimeSpan QueryRange { get; private set; } = TimeSpan.FromHours(1);

    public TimeSpan QueryStep { get; private set; } = TimeSpan.FromSeconds(10);

    public string QueryAgg { get; private set; } = "p95";

    public OtlpPayload Payload { get; private set; } = OtlpPayload.Metrics;

    public long? Total { get; private set; }
    public IReadOnlyList<int> Nodes { get; private set; } = [1, 2, 3];

    public string Postgres { get; private set; } = Environment.GetEnvironmentVariable("VIGIL_TEST_POSTGRES") ?? "";

    public string? Redis { get; private set; }

    public string? ServerDll { get; private set; }

    public Dictionary<string, string> ServerEnvironment { get; } = new(StringComparer.Ordinal);

    public IReadOnlySet<string> Phases { get; private set; } = new HashSet<string>(["ingest", "latency", "takeover"], StringComparer.Ordinal);

    public int Rate { get; private set; }

    public int Takeovers { get; private set; } = 1;

    public bool KeepDatabase { get; private set; }

    /// <summary>These options aimed at one node of a cluster run, for a <see cref="LatencyRun"/> to its webhook receiver.</summary>
    public LoadTestOptions ForNode(Uri url)
    {
        var copy = (LoadTestOptions)MemberwiseClone();
        copy.Url = url;
        copy.WebhookReceiver = true;
        copy.Header = false;
        return copy;
    }

    /// <summary>Parses the arguments; throws <see cref="ArgumentException"/> naming the bad option.</summary>
    public static LoadTestOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadTestOptions();
        if (args is ["cluster", ..])
        {
            options.Mode = LoadTestMode.Cluster;
            args = [.. args.Skip(1)];
        }

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--keep-database")
            {
                options.KeepDatabase = true;
                continue;
            }

            if (name == "--no-header")
            {
                options.Header = false;
                continue;
            }

            if (name == "--raw")
            {
                options.Raw = true;
                continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new ArgumentException($"'{name}' is not an option with a value.");
            }

            var value = args[++i];
            switch (name)
            {
                case "--mode":
                    options.Mode = value switch
                    {
                        "throughput" => LoadTestMode.Throughput,
                        "memory" => LoadTestMode.Memory,
                        "latency" => LoadTestMode.Latency,
                        "fanout" => LoadTestMode.Fanout,
                        "queries" => LoadTestMode.Queries,
                        "otlp" => LoadTestMode.Otlp,
                        "cluster" => LoadTestMode.Cluster,
                        _ => throw new ArgumentException($"--mode: '{value}' is not throughput, memory, latency, fanout, queries, otlp or cluster."),
                    };
                    break;
                case "--url":
                    options.Url = Uri.TryCreate(value, UriKind.Absolute, out var url) ? url : throw new ArgumentException($"--url: '{value}' is not an absolute URL.");
                    break;
                case "--key":
                    options.Key = value;
                    break;
                case "--duration":
                    options.Duration = ParseDuration(name, value);
                    break;
                case "--warmup":
                    options.Warmup = ParseDuration(name, value);
                    break;
                case "--settle":
                    options.Settle = ParseDuration(name, value);
                    break;
                case "--batch":
                    options.Batch = ParsePositive(name, value);
                    break;
                case "--concurrency":
                    options.Concurrency = ParsePositive(name, value);
                    break;
                case "--series":
                    options.Series = ParsePositive(name, value);
                    break;
                case "--type":
                    options.Type = value is "timing" or "gauge" or "counter" ? value : throw new ArgumentException($"--type: '{value}' is not timing, gauge or counter.");
                    break;
                case "--timestamps":
                    options.LiveTimestamps = value switch
                    {
                        "live" => true,
                        "none" => false,
                        _ => throw new ArgumentException($"--timestamps: '{value}' is not live or none."),
                    };
                    break;
                case "--pid":
                    options.Pid = ParsePositive(name, value);
                    break;
                case "--episodes":
                    options.Episodes = ParsePositive(name, value);
                    break;
                case "--poll":
                    options.Poll = ParseDuration(name, value);
                    break;
                case "--background-rate":
                    options.BackgroundRate = value == "0" ? 0 : ParsePositive(name, value);
                    break;
                case "--receiver":
                    options.WebhookReceiver = value switch
                    {
                        "feed" => false,
                        "webhook" => true,
                        _ => throw new ArgumentException($"--receiver: '{value}' is not feed or webhook."),
                    };
                    break;
                case "--deliveries":
                    options.Deliveries = ParsePositive(name, value);
                    break;
                case "--warmup-deliveries":
                    options.WarmupDeliveries = ParsePositive(name, value);
                    break;
                case "--warmup-rounds":
                    options.WarmupRounds = ParsePositive(name, value);
                    break;
                case "--channels":
                    options.Channels = ParsePositive(name, value);
                    break;
                case "--max-concurrency":
                    options.MaxConcurrency = ParsePositive(name, value);
                    break;
                case "--receiver-delay":
                    options.ReceiverDelay = ParseDuration(name, value);
                    break;
                case "--query-concurrency":
                    options.QueryConcurrency = [.. value.Split(',').Select(v => ParsePositive(name, v))];
                    break;
                case "--query-range":
                    options.QueryRange = ParseDuration(name, value);
                    break;
                case "--query-step":
                    options.QueryStep = ParseDuration(name, value);
                    break;
                case "--payload":
                    options.Payload = value switch
                    {
                        "metrics" => OtlpPayload.Metrics,
                        "traces" => OtlpPayload.Traces,
                        "json" => OtlpPayload.Json,
                        _ => throw new ArgumentException($"--payload: '{value}' is not metrics, traces or json."),
                    };
                    break;
                case "--total":
                    options.Total = ParsePositive(name, value);
                    break;
                case "--query-agg":
                    options.QueryAgg = value;
                    break;
                case "--nodes":
                    options.Nodes = [.. value.Split(',').Select(v => ParsePositive(name, v))];
                    break;
                case "--postgres":
                    options.Postgres = value;
                    break;
                case "--redis":
                    options.Redis = value;
                    break;
                case "--server":
                    options.ServerDll = File.Exists(value) ? Path.GetFullPath(value) : throw new ArgumentException($"--server: '{value}' does not exist.");
                    break;
                case "--server-env":
                    options.ServerEnvironment[value.Split('=')[0]] = value.Contains('=', StringComparison.Ordinal) ? value[(value.IndexOf('=', StringComparison.Ordinal) + 1)..] : throw new ArgumentException($"--server-env: '{value}' is not NAME=value.");
                    break;
                case "--phases":
                    options.Phases = value.Split(',').Select(p => p is "ingest" or "latency" or "takeover" or "cache" ? p : throw new ArgumentException($"--phases: '{p}' is not ingest, latency, takeover or cache.")).ToHashSet(StringComparer.Ordinal);
                    break;
                case "--rate":
                    options.Rate = value == "0" ? 0 : ParsePositive(name, value);
                    break;
                case "--takeovers":
                    options.Takeovers = ParsePositive(name, value);
                    break;
                case "--seed":
                    options.Seed = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                default:
                    throw new ArgumentException($"'{name}' is not a known option.");
            }
        }

        if (options.Mode == LoadTestMode.Otlp && options.Payload == OtlpPayload.Metrics && options.Type == "timing")
        {
            throw new ArgumentException("--mode otlp --payload metrics sends one value per data point: add --type gauge or --type counter.");
        }

        if (options.Mode == LoadTestMode.Cluster)
        {
            // The servers are this run's own: it gives them their admin key.
            options.Key = string.IsNullOrEmpty(options.Key) ? "cluster-bench-admin-key-0123456789" : options.Key;
            if (string.IsNullOrEmpty(options.Postgres))
            {
                throw new ArgumentException("cluster: --postgres is required (or set VIGIL_TEST_POSTGRES).");
            }
        }

        if (string.IsNullOrEmpty(options.Key))
        {
            throw new ArgumentException("--key is required (or set VIGIL_LOADTEST_KEY).");
        }

        return options;
    }

    /// <summary>Parses <c>20s</c>, <c>500ms</c>, <c>2m</c> or a plain number of seconds.</summary>
    internal static TimeSpan ParseDuration(string name, string value)
    {
        var (number, unit) = value.EndsWith("ms", StringComparison.Ordinal) ? (value[..^2], 0.001)
            : value.EndsWith('s') ? (value[..^1], 1.0)
            : value.EndsWith('m') ? (value[..^1], 60.0)
            : value.EndsWith('h') ? (value[..^1], 3600.0)
            : (value, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount < 0 || !double.IsFinite(amount))
        {
            throw new ArgumentException($"{name}: '{value}' is not a duration such as 20s, 500ms or 2m.");
        }

        return TimeSpan.FromSeconds(amount * unit);
    }

    private static int ParsePositive(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : throw new ArgumentException($"{name}: '{value}' is not a positive integer.");
}
