using Vigil.Errors.Grouping;

namespace Vigil.Errors.Tests.Grouping;

public sealed class MessageTemplateTests
{
    [Theory]
    [InlineData("Order 42 not found", "Order <num> not found")]
    [InlineData("User ann.lee+x@example.co.uk locked", "User <email> locked")]
    [InlineData("Session 3f2504e0-4f89-11d3-9a0c-0305e82c3301 expired", "Session <guid> expired")]
    [InlineData("Cannot open 'C:\\data\\a.txt' for \"writing\"", "Cannot open <str> for <str>")]
    [InlineData("Bad pointer 0x7ffe12ab at frame", "Bad pointer <hex> at frame")]
    [InlineData("Commit deadbeef42 rejected", "Commit <hex> rejected")]
    [InlineData("Timeout after 1.5 s (attempt -3)", "Timeout after <num> s (attempt <num>)")]
    [InlineData("  spaced    out  ", "spaced out")]
    [InlineData("Deadline exceeded", "Deadline exceeded")]
    public void Of_VariableParts_BecomePlaceholders(string message, string expected)
    {
        Assert.Equal(expected, MessageTemplate.Of(message));
    }
}
