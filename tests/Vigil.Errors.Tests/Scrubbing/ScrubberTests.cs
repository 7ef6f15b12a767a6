using Vigil.Errors.Events;
using Vigil.Errors.Scrubbing;

namespace Vigil.Errors.Tests.Scrubbing;

public sealed class ScrubberTests
{
    [Theory]
    [InlineData("mail ann@example.com failed", "mail [email] failed")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_1", "Authorization: Bearer [redacted]")]
    [InlineData("login failed password=hunter2&user=ann", "login failed password=[redacted]&user=ann")]
    [InlineData("{\"api_key\": \"abc123\", \"n\": 1}", "{\"api_key\": \"[redacted]\", \"n\": 1}")]
    [InlineData("client_secret: s3cr3t", "client_secret: [redacted]")]
    [InlineData("card 4111 1111 1111 1111 declined", "card [card] declined")]
    [InlineData("card 4111-1111-1111-1111 declined", "card [card] declined")]
    [InlineData("order 4111111111111112 (not Luhn)", "order 4111111111111112 (not Luhn)")]
    [InlineData("key ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "key [redacted] leaked")]
    [InlineData("vgl 0123456789abcdef0123456789abcdefXYZ in log", "vgl [redacted] in log")]
    [InlineData("AKIAABCDEFGHIJKLMNOP used", "[redacted] used")]
    [InlineData("Order 42 failed after 3 tries", "Order 42 failed after 3 tries")]
    public void Text_Secrets_Redacted(string text, string expected)
    {
        Assert.Equal(expected, Scrubber.Text(text));
    }

    // A fact, not a theory: xUnit's test names cannot carry lone surrogates.
    [Fact]
    public void Storable_NulAndLoneSurrogates_Replaced()
    {
        Assert.Equal("a\uFFFDb", Scrubber.Storable("a\0b"));
        Assert.Equal("a\uFFFDb", Scrubber.Storable("a\ud800b"));
        Assert.Equal("a\uFFFD", Scrubber.Storable("a\udc00"));
        Assert.Equal("ok \ud83d\ude00", Scrubber.Storable("ok \ud83d\ude00"));
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("5500 0000 0000 0004", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("123456789012", false)]
    public void Luhn_KnownNumbers(string number, bool valid)
    {
        Assert.Equal(valid, Scrubber.Luhn(number));
    }

    [Fact]
    public void Scrub_EventTextAndTags_Scrubbed()
    {
        var error = new ErrorEvent("0123456789abcdef0123456789abcdef", 0, "error", "sentry")
        {
            ExceptionValue = "no user ann@example.com",
            Message = "token=abc",
            Transaction = "/users/ann@example.com",
            Request = "GET https://shop.example/users/ann@example.com",
            Tags = new Dictionary<string, string> { ["session_id"] = "abc", ["region"] = "eu", ["note"] = "call 4111 1111 1111 1111" },
        };

        var scrubbed = Scrubber.Scrub(error);

        Assert.Equal(("no user [email]", "token=[redacted]", "/users/[email]", "GET https://shop.example/users/[email]"),
            (scrubbed.ExceptionValue, scrubbed.Message, scrubbed.Transaction, scrubbed.Request));
        Assert.Equal(Scrubber.Redacted, scrubbed.Tags["session_id"]);
        Assert.Equal("eu", scrubbed.Tags["region"]);
        Assert.Equal("call [card]", scrubbed.Tags["note"]);
    }
}
