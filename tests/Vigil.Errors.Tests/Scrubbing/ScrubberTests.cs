using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Errors.Events;
using Vigil.Errors.Scrubbing;
using Vigil.Notifications.Privacy;

namespace Vigil.Errors.Tests.Scrubbing;

/// <summary>Errors scrubbed with Vigil's one scrubber (<see cref="PiiScrubber"/>) on their text and tags, and made storable.</summary>
public sealed class ScrubberTests
{
    private static readonly PiiScrubber Pii = new(new PrivacyOptions(), NullLogger<PiiScrubber>.Instance);

    private static ErrorEvent WithMessage(string message) => new("0123456789abcdef0123456789abcdef", 0, "error", "sentry") { Message = message };

    [Theory]
    [InlineData("mail ann@example.com failed", "mail [email] failed")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature_1", "Authorization: Bearer [redacted]")]
    [InlineData("login failed password=hunter2 for ann", "login failed password=[redacted] for ann")]
    [InlineData("{\"api_key\": \"abc123\", \"n\": 1}", "{\"api_key\": \"[redacted]\", \"n\": 1}")]
    [InlineData("client_secret: s3cr3t", "client_secret: [redacted]")]
    [InlineData("card 4111 1111 1111 1111 declined", "card [card] declined")]
    [InlineData("order 4111111111111112 (not Luhn)", "order 4111111111111112 (not Luhn)")]
    [InlineData("key ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked", "key [redacted] leaked")]
    [InlineData("vigil key vgl_Ao3194p-cFeBlk57dzEs72J-vmTIxwbyx8t7lO1rYaA in a log", "vigil key [redacted] in a log")]
    [InlineData("GET https://shop.example/orders?token=abc failed", "GET https://shop.example/orders failed")]
    [InlineData("Order 42 failed after 3 tries", "Order 42 failed after 3 tries")]
    public void Scrub_SecretsInTheMessage_Redacted(string text, string expected)
    {
        Assert.Equal(expected, Scrubber.Scrub(WithMessage(text), Pii).Message);
    }

    [Fact]
    public void Scrub_EventTextAndTags_Scrubbed()
    {
        var error = WithMessage("token=abc") with
        {
            ExceptionValue = "no user ann@example.com",
            Transaction = "/users/ann@example.com",
            Request = "GET https://shop.example/users/ann@example.com",
            Tags = new Dictionary<string, string> { ["session_id"] = "abc", ["region"] = "eu", ["note"] = "call 4111 1111 1111 1111" },
        };

        var scrubbed = Scrubber.Scrub(error, Pii);

        Assert.Equal(("no user [email]", "token=[redacted]", "/users/[email]", "GET https://shop.example/users/[email]"),
            (scrubbed.ExceptionValue, scrubbed.Message, scrubbed.Transaction, scrubbed.Request));
        Assert.Equal(PiiScrubber.Redacted, scrubbed.Tags["session_id"]);
        Assert.Equal("eu", scrubbed.Tags["region"]);
        Assert.Equal("call [card]", scrubbed.Tags["note"]);
    }

    // A fact, not a theory: xUnit's test names cannot carry lone surrogates.
    [Fact]
    public void Storable_NulAndLoneSurrogates_Replaced()
    {
        Assert.Equal("a\uFFFDb", Scrubber.Storable("a\0b"));
        Assert.Equal("a\uFFFDb", Scrubber.Storable("a\ud800b"));
        Assert.Equal("a\uFFFD", Scrubber.Storable("a\udc00"));
        Assert.Equal("ok \ud83d\ude00", Scrubber.Storable("ok \ud83d\ude00"));
        Assert.Equal("a\uFFFDb", Scrubber.Scrub(WithMessage("a\0b") with { ExceptionType = "E\ud800" }, Pii).Message);
    }
}
