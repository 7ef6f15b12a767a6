using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Vigil.Otlp.Proto.Collector.Metrics.V1;
using Vigil.Otlp.Proto.Metrics.V1;
using Vigil.Storage;
using static Vigil.Otlp.Tests.Metrics.Otlp;
using static Vigil.Server.Tests.Otlp.OtlpHttp;
using AggregationTemporality = Vigil.Otlp.Proto.Metrics.V1.AggregationTemporality;
using Metric = Vigil.Otlp.Proto.Metrics.V1.Metric;

namespace Vigil.Server.Tests.Otlp;

/// <summary>
/// Issue 15: the OTLP/HTTP metrics receiver, fed by the real OpenTelemetry .NET SDK and by
/// hand-built exports (JSON, gzip, malformed, partial success); read back over <c>/api/v1/series</c>.
/// </summary>
public abstract class OtlpMetricsTests(StorageProvider provider) : ServerTestBase(provider)
{
    [Fact]
    public async Task OpenTelemetrySdk_DeltaExport_CounterGaugeAndHistogramReadBack()
    {
        // The SDK stamps points with the real clock: Vigil's clock starts there too. Delta
        // temporality: each export holds what was measured since the previous one.
        await using var app = StartApp(new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var meter = new Meter("Vigil.Tests.Shop");
        using var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("shop", serviceVersion: "2.1.0").AddAttributes([new("host.name", "web-1")]))
            .AddMeter(meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = new Uri(app.Server.BaseAddress, "/v1/metrics");
                exporter.Headers = $"Authorization=Bearer {VigilApp.AdminKey}";
                exporter.HttpClientFactory = () => app.CreateDefaultClient(new SynchronousSend());
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Delta;
            })
            .Build();
        var orders = meter.CreateCounter<long>("shop.orders");
        var depth = meter.CreateGauge<double>("shop.queue.depth");
        var latency = meter.CreateHistogram<double>("shop.checkout.duration", unit: "ms");

        orders.Add(3, new KeyValuePair<string, object?>("payment.method", "card"));
        orders.Add(2, new KeyValuePair<string, object?>("payment.method", "card"));
        depth.Record(17);
        foreach (var ms in new[] { 10.0, 40, 300 })
        {
            latency.Record(ms);
        }

        Assert.True(provider.ForceFlush(10_000));
        CatchUp(app);

        var client = app.Admin();
        var counter = Assert.Single(await SeriesAsync(client, "shop_orders", "sum"));
        Assert.Equal(5, Value(counter));
        Assert.Equal("card", counter.GetProperty("labels").GetProperty("payment_method").GetString());
        Assert.Equal("shop", counter.GetProperty("labels").GetProperty("service").GetString());
        Assert.Equal("2.1.0", counter.GetProperty("labels").GetProperty("version").GetString());
        Assert.False(counter.GetProperty("labels").TryGetProperty("host_name", out _));
        Assert.Equal(17, Value(Assert.Single(await SeriesAsync(client, "shop_queue_depth", "last"))));

        // Buckets (5,10] (25,50] (250,500] clamped to min 10 and max 300: 10, 37.5 and 275.
        Assert.Equal(3, Value(Assert.Single(await SeriesAsync(client, "shop_checkout_duration_ms", "count"))));
        Assert.Equal(10, Value(Assert.Single(await SeriesAsync(client, "shop_checkout_duration_ms", "min"))), 0.1);
        Assert.Equal(275, Value(Assert.Single(await SeriesAsync(client, "shop_checkout_duration_ms", "max"))), 2.75);
        Assert.Equal(37.5, Value(Assert.Single(await SeriesAsync(client, "shop_checkout_duration_ms", "p50"))), 0.375);
    }

    [Fact]
    public async Task OpenTelemetrySdk_CumulativeCounter_SecondExportRecordsTheIncrement()
    {
        await using var app = StartApp(new FakeTimeProvider(DateTimeOffset.UtcNow));
        using var meter = new Meter("Vigil.Tests.Cumulative");
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(meter.Name)
            .AddOtlpExporter(exporter =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = new Uri(app.Server.BaseAddress, "/otlp/v1/metrics");
                exporter.Headers = $"x-api-key={VigilApp.AdminKey}";
                exporter.HttpClientFactory = () => app.CreateDefaultClient(new SynchronousSend());
            })
            .Build();
        var jobs = meter.CreateCounter<long>("jobs.done");

        jobs.Add(5);
        Assert.True(provider.ForceFlush(10_000)); // cumulative 5: the start
        jobs.Add(3);
        Assert.True(provider.ForceFlush(10_000)); // cumulative 8: an increment of 3
        CatchUp(app);

        var series = Assert.Single(await SeriesAsync(app.Admin(), "jobs_done", "sum"));
        Assert.Equal(3, Value(series));
        Assert.StartsWith("unknown_service", series.GetProperty("labels").GetProperty("service").GetString(), StringComparison.Ordinal); // the SDK's default
    }

    [Fact]
    public async Task Export_Json_RecordedAndAnsweredInJson()
    {
        await using var app = StartApp();
        var nanos = app.Time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
        var json = $$$"""
            {"resourceMetrics":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
              "scopeMetrics":[{"metrics":[{"name":"cache.size","gauge":{"dataPoints":[{"asInt":"42","timeUnixNano":"{{{nanos}}}"}]}}]}]}]}
            """;

        using var response = await app.Admin().PostAsync("/v1/metrics", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{ }", await response.Content.ReadAsStringAsync());
        Assert.Equal(42, Value(Assert.Single(await SeriesAsync(app.Admin(), "cache_size", "last"))));
    }

    [Fact]
    public async Task Export_Gzip_Recorded()
    {
        await using var app = StartApp();
        var body = Gzip(Export(Gauge("temperature", Number(21.5, Nanos(app)))).ToByteArray());

        using var response = await PostAsync(app.Admin(), "/v1/metrics", body, Protobuf, "gzip");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Protobuf, response.Content.Headers.ContentType?.MediaType);
        Assert.Null(ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess);
        Assert.Equal(21.5, Value(Assert.Single(await SeriesAsync(app.Admin(), "temperature", "last"))));
    }

    [Fact]
    public async Task Export_SomeDataPointsRefused_PartialSuccessAndTheRestRecorded()
    {
        await using var app = StartApp();
        var now = Nanos(app);
        var summary = new Metric { Name = "rpc.latency", Summary = new Summary() };
        summary.Summary.DataPoints.Add(new SummaryDataPoint { Count = 1, Sum = 2, TimeUnixNano = now });
        var export = Export(
            Gauge("good", Number(1, now)),
            Gauge("not_a_number", Number(double.NaN, now)),
            Gauge("vigil_mine", Number(1, now)),
            Gauge("too_late", Number(1, now - (40UL * 24 * 3600 * Second))),
            summary,
            Gauge("bad_label", Number(1, now, 0, Attribute("__reserved", "x"))));

        using var response = await PostAsync(app.Admin(), "/v1/metrics", export.ToByteArray(), Protobuf);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(5, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("metric 'vigil_mine': name 'vigil_mine' names starting with 'vigil_' are reserved", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("summaries are not supported", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Single(await SeriesAsync(app.Admin(), "good", "last"));
        foreach (var refused in new[] { "not_a_number", "vigil_mine", "too_late", "bad_label" })
        {
            Assert.Empty(await SeriesAsync(app.Admin(), refused, "count"));
        }
    }

    [Fact]
    public async Task Export_MetricOfAnotherType_ThoseDataPointsRefused()
    {
        await using var app = StartApp();
        (await app.Admin().PostJsonAsync("/api/v1/metrics", """{"points":[{"name":"jobs","type":"gauge","value":1}]}""")).EnsureSuccessStatusCode();
        var export = Export(Sum("jobs", true, AggregationTemporality.Delta, Number(2, Nanos(app))), Gauge("other", Number(3, Nanos(app))));

        using var response = await PostAsync(app.Admin(), "/v1/metrics", export.ToByteArray(), Protobuf);

        var answer = ExportMetricsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, answer.PartialSuccess.RejectedDataPoints);
        Assert.Contains("is a gauge, not a counter", answer.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        Assert.Single(await SeriesAsync(app.Admin(), "other", "last"));
    }

    [Fact]
    public async Task Export_KeyOverItsRateQuota_429AndTheResentExportCountsTheSameIncrement()
    {
        await using var app = StartApp(settings: new() { ["Vigil:Quotas:PointsPerSecondPerKey"] = "10" });
        var client = await app.ClientWithRoleAsync("ingest");
        var start = Nanos(app);
        byte[] Cumulative(double value, ulong time) =>
            Export(Sum("sent", true, AggregationTemporality.Cumulative, Number(value, time, 1)), Gauge("filler", Enumerable.Range(0, 9).Select(i => Number(i, time)).ToArray())).ToByteArray();
        (await PostAsync(client, "/v1/metrics", Cumulative(100, start), Protobuf)).EnsureSuccessStatusCode(); // 9 gauges; the sum's start

        using var limited = await PostAsync(client, "/v1/metrics", Cumulative(130, start + Second), Protobuf);
        app.Time.Advance(TimeSpan.FromSeconds(1));
        using var resent = await PostAsync(client, "/v1/metrics", Cumulative(130, start + Second), Protobuf);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), limited.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        Assert.Equal(30, Value(Assert.Single(await SeriesAsync(app.Admin(), "sent", "sum"))));
    }

    public static TheoryData<string, string, string?, int> Refused => new()
    {
        // what, content type, content encoding, status
        { "malformed protobuf", Protobuf, null, 400 },
        { "truncated protobuf", Protobuf, null, 400 },
        { "truncated gzip", Protobuf, "gzip", 400 },
        { "not gzip", Protobuf, "gzip", 400 },
        { "malformed json", "application/json", null, 400 },
        { "json with a member twice", "application/json", null, 400 },
        { "wrong content type", "text/plain", null, 415 },
        { "brotli", Protobuf, "br", 415 },
        { "too large", Protobuf, null, 413 },
        { "too large once gunzipped", Protobuf, "gzip", 413 },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Export_Refused_ProblemAndNothingStored(string what, string contentType, string? contentEncoding, int status)
    {
        await using var app = StartApp(settings: new() { ["Vigil:Http:MaxRequestBodyBytes"] = "65536" });
        var valid = Export(Gauge("refused_metric", Number(1, Nanos(app)))).ToByteArray();
        var body = what switch
        {
            "malformed protobuf" => [0xff, 0xff, 0xff, 0xff, 0x0f],
            "truncated protobuf" => valid[..^3],
            "truncated gzip" => Gzip(valid)[..^10],
            "not gzip" => valid,
            "malformed json" => Encoding.UTF8.GetBytes("""{"resourceMetrics":[{"scopeMetrics":"""),
            "json with a member twice" => Encoding.UTF8.GetBytes("""{"resourceMetrics":[],"resourceMetrics":[]}"""),
            "too large" => [.. valid, .. new byte[70_000]],
            "too large once gunzipped" => Gzip([.. valid, .. new byte[200_000]]),
            _ => valid,
        };

        using var response = await PostAsync(app.Admin(), "/v1/metrics", body, contentType, contentEncoding);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrEmpty((await response.ReadAsync()).GetProperty("detail").GetString()));
        Assert.Empty(await SeriesAsync(app.Admin(), "refused_metric", "count"));
    }

    [Theory]
    [InlineData(null, 401)]
    [InlineData("not-a-key", 401)]
    [InlineData("viewer", 403)]
    public async Task Export_WithoutAnIngestKey_RefusedAndNothingStored(string? key, int status)
    {
        await using var app = StartApp();
        var client = key == "viewer" ? await app.ClientWithRoleAsync("viewer") : app.WithKey(key);

        using var response = await PostAsync(client, "/v1/metrics", Export(Gauge("unauthorised", Number(1, Nanos(app)))).ToByteArray(), Protobuf);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Empty(await SeriesAsync(app.Admin(), "unauthorised", "count"));
    }

    [Fact]
    public async Task Export_WithAnIngestKey_Recorded()
    {
        await using var app = StartApp();
        var client = await app.ClientWithRoleAsync("ingest");

        using var response = await PostAsync(client, "/otlp/v1/metrics", Export(Gauge("ingested", Number(4, Nanos(app)))).ToByteArray(), Protobuf);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await SeriesAsync(app.Admin(), "ingested", "last"));
    }
}

public sealed class SqliteOtlpMetricsTests() : OtlpMetricsTests(StorageProvider.Sqlite);

public sealed class PostgresOtlpMetricsTests() : OtlpMetricsTests(StorageProvider.Postgres);
