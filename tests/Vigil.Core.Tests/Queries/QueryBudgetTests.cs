using Vigil.Core.Queries;

namespace Vigil.Core.Tests.Queries;

/// <summary>The cost of a query and the budget it is checked against, by table.</summary>
public sealed class QueryBudgetTests
{
    [Theory]
    [InlineData(20, 360, 0, 7_200)]
    [InlineData(0, 360, 5, 50)]
    [InlineData(1, 1, 120, 1_201)]
    [InlineData(long.MaxValue, 2, 0, long.MaxValue)]
    [InlineData(1, 1, long.MaxValue, long.MaxValue)]
    [InlineData(long.MaxValue / 2, 1, long.MaxValue / 10, long.MaxValue)]
    public void Units_SeriesStepsAndRows_SaturateInsteadOfOverflowing(long series, long steps, long rows, long expected) =>
        Assert.Equal(expected, new QueryCost(series, steps, rows).Units);

    [Theory]
    [InlineData(1_000, 1_000, false)]
    [InlineData(1_000, 1_001, true)]
    public void Exceeds_ComparesTheUnitsWithTheBudget(long maxCost, long units, bool expected) =>
        Assert.Equal(expected, new QueryBudget(maxCost, "Vigil:Queries:MaxCost").Exceeds(new QueryCost(units, 1, 0)));

    [Theory]
    [InlineData(1_000, 0, 101)]
    [InlineData(1_000, 995, 1)]
    [InlineData(1_000, 5_000, 1)]
    public void RowsToCount_WhatIsLeftOfTheBudgetInRowsPlusOne(long maxCost, long spent, long expected) =>
        Assert.Equal(expected, new QueryBudget(maxCost, "Vigil:Queries:MaxCost").RowsToCount(new QueryCost(spent, 1, 0)));

    [Fact]
    public void Explain_NamesTheSettingTheCostAndTheAdvice()
    {
        var budget = new QueryBudget(1_000, "Vigil:Queries:MaxCost");

        var text = budget.Explain(new QueryCost(20, 360, 3), ["use a larger step", "use a shorter range"]);

        Assert.Equal("The query would aggregate 20 series over 360 steps each and read 3 stored rows: about 7,230 cost units, over Vigil:Queries:MaxCost (1,000). Ask for less: use a larger step; use a shorter range.", text);
    }

    [Fact]
    public void Constructor_NoBudget_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new QueryBudget(0, "Vigil:Queries:MaxCost"));
}
