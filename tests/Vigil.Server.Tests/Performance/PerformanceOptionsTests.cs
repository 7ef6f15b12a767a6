using Vigil.Performance;

namespace Vigil.Server.Tests.Performance;

/// <summary>Issue 13: malformed operation sources are refused at start-up, each problem naming its setting.</summary>
public sealed class PerformanceOptionsTests
{
    [Fact]
    public void Validate_Defaults_Valid() =>
        Assert.True(new PerformanceOptionsValidator().Validate(null, new PerformanceOptions()).Succeeded);

    [Fact]
    public void Validate_MalformedSources_EachProblemNamesItsSetting()
    {
        var options = new PerformanceOptions
        {
            Operations =
            [
                new() { Metric = "http_request_duration_ms", Kind = "route", Labels = ["method", "route"] },
                new() { Metric = "bad metric", Kind = "Not A Kind", Labels = [] },
                new() { Metric = "job_ms", Kind = "route", Labels = ["service", "1bad"] },
            ],
        };

        var result = new PerformanceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Vigil:Performance:Operations:1:Metric",
                "Vigil:Performance:Operations:1:Kind",
                "Vigil:Performance:Operations:1:Labels",
                "Vigil:Performance:Operations:2:Kind",
                "Vigil:Performance:Operations:2:Labels:0",
                "Vigil:Performance:Operations:2:Labels:1",
            ],
            result.Failures!.Select(f => f.Split(' ')[0]).ToArray());
    }

    [Fact]
    public void Sources_ConfiguredListReplacesTheDefaults()
    {
        var options = new PerformanceOptions { Operations = [new() { Metric = "rpc_ms", Kind = "rpc", Labels = ["method"] }] };

        Assert.Equal(["rpc"], options.Sources.Select(s => s.Kind).ToArray());
        Assert.Equal(["route", "job"], new PerformanceOptions().Sources.Select(s => s.Kind).ToArray());
    }
}
