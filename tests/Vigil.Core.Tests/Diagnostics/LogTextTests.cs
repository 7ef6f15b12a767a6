using Vigil.Core.Diagnostics;

namespace Vigil.Core.Tests.Diagnostics;

public sealed class LogTextTests
{
    [Theory]
    [InlineData("plain note", "plain note")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("x\0y", @"x\0y")]
    [InlineData("\u001b[31mred", @"\e[31mred")]
    [InlineData("tab\there", @"tab\there")]
    [InlineData("c1\u0085next", @"c1\u0085next")]
    [InlineData("del\u007f", @"del\u007f")]
    [InlineData("line\u2028sep", @"line\u2028sep")]
    [InlineData("bidi\u202eevil", @"bidi\u202eevil")]
    [InlineData(@"C:\temp\n", @"C:\\temp\\n")]
    [InlineData("héllo ✓", "héllo ✓")]
    public void Encode_ControlCharacters_EscapedOnOneLine(string text, string expected)
    {
        Assert.Equal(expected, LogText.Encode(text));
    }

    [Fact]
    public void Encode_Null_StaysNull()
    {
        Assert.Null(LogText.Encode(null));
    }

    [Fact]
    public void Encode_LongerThanTheBound_CutSayingHowMuch()
    {
        var encoded = LogText.Encode(new string('n', 1 << 20))!;

        Assert.StartsWith(new string('n', LogText.MaxLength), encoded, StringComparison.Ordinal);
        Assert.EndsWith($"… ({(1 << 20) - LogText.MaxLength} more characters)", encoded, StringComparison.Ordinal);
    }
}
