using System.Net;
using Vigil.Storage;
using static Vigil.Server.Tests.Json;

namespace Vigil.Server.Tests.Security;

/// <summary>
/// Issue 9, Low, admin inputs without limits: a silence's <c>durationMinutes</c> of 4.9e-324 (more
/// than 0, yet a silence that ends as it starts). The rule window and the silence rule id are in
/// <see cref="BadInputTests"/>.
/// </summary>
public abstract class AdminLimitsTests(StorageProvider provider) : ServerTestBase(provider)
{
    [Theory]
    [InlineData("4.9e-324")]
    [InlineData("1e-6")]
    [InlineData("0.5")]
    public async Task CreateSilence_DurationUnderAMinute_ProblemNamesTheField(string minutes)
    {
        await using var app = StartApp();

        var response = await app.Admin().PostJsonAsync("/api/v1/silences", $$"""{"severity":"critical","durationMinutes":{{minutes}}}""");

        await AssertProblemAsync(response, "durationMinutes", "at least 1 minute");
        Assert.Empty((await (await app.Admin().GetAsync("/api/v1/silences?all=true")).ReadAsync()).EnumerateArray());
    }

    [Fact]
    public async Task CreateSilence_OneMinute_Created()
    {
        await using var app = StartApp();

        var response = await app.Admin().PostJsonAsync("/api/v1/silences", """{"severity":"critical","durationMinutes":1}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }
}

public sealed class SqliteAdminLimitsTests() : AdminLimitsTests(StorageProvider.Sqlite);

public sealed class PostgresAdminLimitsTests() : AdminLimitsTests(StorageProvider.Postgres);
