using System.Text;
using Vigil.Errors.Sentry;

namespace Vigil.Errors.Tests.Sentry;

public sealed class SentryEnvelopeTests
{
    private static bool Parse(string text, out SentryEnvelope? envelope, out string? problem) =>
        SentryEnvelope.TryParse(Encoding.UTF8.GetBytes(text), out envelope, out problem);

    [Fact]
    public void TryParse_LengthDelimitedAndNewlineItems_AllRead()
    {
        const string Event = """{"message":"a\nb"}""";
        var text = "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"dsn\":\"https://k@vigil/1\"}\n"
            + $"{{\"type\":\"event\",\"length\":{Encoding.UTF8.GetByteCount(Event)}}}\n{Event}\n"
            + "{\"type\":\"session\"}\n{\"started\":\"2026-01-01T00:00:00Z\"}\n"
            + "{\"type\":\"attachment\",\"length\":3}\nx\ny";

        Assert.True(Parse(text, out var envelope, out var problem), problem);

        Assert.Equal(("9ec79c33ec9942ab8353589fcb2e04dc", "https://k@vigil/1"), (envelope!.EventId, envelope.Dsn));
        Assert.Equal(["event", "session", "attachment"], envelope.Items.Select(i => i.Type));
        Assert.Equal(Event, Encoding.UTF8.GetString(envelope.Items[0].Payload.Span));
        Assert.Equal("""{"started":"2026-01-01T00:00:00Z"}""", Encoding.UTF8.GetString(envelope.Items[1].Payload.Span));
        Assert.Equal("x\ny", Encoding.UTF8.GetString(envelope.Items[2].Payload.Span));
    }

    [Fact]
    public void TryParse_UnknownItemTypeAndCrLf_ReadAsItems()
    {
        Assert.True(Parse("{}\r\n{\"type\":\"future_thing\",\"length\":2}\r\n{}\r\n", out var envelope, out var problem), problem);

        Assert.Equal("future_thing", Assert.Single(envelope!.Items).Type);
    }

    [Fact]
    public void TryParse_HeaderOnly_NoItems()
    {
        Assert.True(Parse("{}", out var envelope, out _));
        Assert.Empty(envelope!.Items);
    }

    [Theory]
    [InlineData("", "header")]
    [InlineData("not json\n", "header")]
    [InlineData("[1]\n", "header")]
    [InlineData("{}\n{\"length\":2}\n{}", "Item 0's header has no 'type'")]
    [InlineData("{}\n{\"type\":\"event\",\"length\":100}\n{}", "Item 0 ('event') is truncated")]
    [InlineData("{}\n{\"type\":\"event\",\"length\":-1}\n{}", "Item 0's 'length'")]
    [InlineData("{}\n{\"type\":\"event\",\"length\":\"2\"}\n{}", "Item 0's 'length'")]
    [InlineData("{}\n{\"type\":\"event\"\n{}", "Item 0's header is not valid JSON")]
    public void TryParse_Malformed_ProblemNamesThePart(string text, string expected)
    {
        Assert.False(Parse(text, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_LoneSurrogateInHeader_Refused()
    {
        Assert.False(Parse("{\"event_id\":\"\\ud800\"}\n", out _, out var problem));
        Assert.Contains("lone surrogate", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_TooManyItems_Refused()
    {
        var text = "{}\n" + string.Concat(Enumerable.Repeat("{\"type\":\"session\",\"length\":2}\n{}\n", SentryEnvelope.MaxItems + 1));

        Assert.False(Parse(text, out _, out var problem));
        Assert.Contains("more than", problem, StringComparison.Ordinal);
    }
}
