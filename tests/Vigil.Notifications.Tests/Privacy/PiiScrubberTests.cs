using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Vigil.Core.Metrics;
using Vigil.Notifications.Privacy;
using Vigil.Notifications.Tests.Infrastructure;

namespace Vigil.Notifications.Tests.Privacy;

public sealed class PiiScrubberTests
{
    [Theory]
    [InlineData("/users?token=abc&ssn=123-45-6789", "/users")]
    [InlineData("GET /search?q=alice@example.com took 2 s", "GET /search took 2 s")]
    [InlineData("https://shop.example.com/cart?session=9f8e#pay", "https://shop.example.com/cart")]
    [InlineData("route=\"/orders/{id}?key=k-1\"", "route=\"/orders/{id}\"")]
    [InlineData("/api/orders", "/api/orders")]
    public void Scrub_QueryStringOfUrlOrRoute_Removed(string text, string expected) =>
        Assert.Equal(expected, Scrubber().Scrub(text));

    [Theory]
    [InlineData("user alice.smith+ops@example.co.uk signed in", "user [email] signed in")]
    [InlineData("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "Authorization: Bearer [redacted]")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl", "jwt [redacted]")]
    [InlineData("token=abc123 api_key=xyz password=hunter2", "token=[redacted] api_key=[redacted] password=[redacted]")]
    [InlineData("{\"client_secret\": \"s3cr3t\", \"monkey\": \"banana\"}", "{\"client_secret\": \"[redacted]\", \"monkey\": \"banana\"}")]
    [InlineData("X-Api-Key: k-42 bypass=on", "X-Api-Key: [redacted] bypass=on")]
    [InlineData("github ghp_abcdefghijklmnopqrstuvwxyz0123456789", "github [redacted]")]
    [InlineData("ssn 123-45-6789", "ssn [ssn]")]
    [InlineData("date 2026-11-23 and 000-12-3456", "date 2026-11-23 and 000-12-3456")]
    public void Scrub_PersonalDataAndSecrets_Replaced(string text, string expected) =>
        Assert.Equal(expected, Scrubber().Scrub(text));

    [Theory]
    [InlineData("card 4111 1111 1111 1111", "card [card]")]
    [InlineData("card 5500-0000-0000-0004", "card [card]")]
    [InlineData("card 378282246310005", "card [card]")]
    [InlineData("order 4111111111111112", "order 4111111111111112")] // fails the Luhn check
    [InlineData("at 1764892800000 ms", "at 1764892800000 ms")] // a timestamp in ms
    [InlineData("value 2450.5", "value 2450.5")]
    public void Scrub_CardNumbers_OnlyLuhnValidOnesReplaced(string text, string expected) =>
        Assert.Equal(expected, Scrubber().Scrub(text));

    [Fact]
    public void Scrub_ExtraPattern_ReplacedAfterTheDefaults()
    {
        var scrubber = Scrubber(o => o.Patterns.Add(@"\bcust-\d+\b"));

        Assert.Equal("customer [redacted] from [email]", scrubber.Scrub("customer cust-4242 from bob@example.com"));
    }

    [Fact]
    public void Scrub_DefaultPatternsOff_OnlyExtraPatternsApply()
    {
        var scrubber = Scrubber(o =>
        {
            o.DefaultPatterns = false;
            o.Patterns.Add("secret");
        });

        Assert.Equal("bob@example.com [redacted]", scrubber.Scrub("bob@example.com secret"));
    }

    [Fact]
    public void Scrub_PatternTimesOut_WholeTextWithheld()
    {
        // A pattern that backtracks exponentially on a run of 'a' without the final 'b'.
        var scrubber = Scrubber(o =>
        {
            o.Patterns.Add("(a+)+b");
            o.MatchTimeout = TimeSpan.FromMilliseconds(1);
        });

        Assert.Equal(PiiScrubber.Redacted, scrubber.Scrub(new string('a', 5000) + "!"));
    }

    [Fact]
    public void Scrub_Notification_DropsLabelsRedactsSecretLabelsAndScrubsEveryText()
    {
        var scrubber = Scrubber(o => o.DroppedLabels.Add("user_id"));
        var notification = NotificationHarness.Alert(name: "Slow for ops@example.com") with
        {
            Labels = new Dictionary<string, string>
            {
                ["route"] = "/users?token=abc",
                ["email"] = "jane@example.com",
                ["USER_ID"] = "42",
                ["api_key"] = "plain-looking-value",
                ["team"] = "api",
            },
            Description = "avg of latency {email=\"jane@example.com\",route=\"/users?token=abc\"} is 2500",
            Context = new Dictionary<string, JsonElement>
            {
                ["note"] = JsonSerializer.SerializeToElement("paged jane@example.com"),
                ["nested"] = JsonSerializer.SerializeToElement(new { who = new[] { "card 4111111111111111" }, n = 3 }),
            },
        };

        var scrubbed = scrubber.Scrub(notification);

        Assert.Equal("Slow for [email]", scrubbed.AlertName);
        Assert.Equal(
            new Dictionary<string, string> { ["route"] = "/users", ["email"] = "[email]", ["api_key"] = "[redacted]", ["team"] = "api" },
            scrubbed.Labels);
        Assert.Equal("avg of latency {email=\"[email]\",route=\"/users\"} is 2500", scrubbed.Description);
        Assert.Equal("paged [email]", scrubbed.Context["note"].GetString());
        Assert.Equal("""{"who":["card [card]"],"n":3}""", scrubbed.Context["nested"].GetRawText());
        Assert.Equal(notification.AcknowledgeUrl, scrubbed.AcknowledgeUrl); // Vigil's own links are kept
        Assert.Equal(notification.RunbookUrl, scrubbed.RunbookUrl);
    }

    [Fact]
    public void WithoutDropped_DroppedLabelInGroup_LeftOut()
    {
        var scrubber = Scrubber(o => o.DroppedLabels.Add("user_id"));
        var group = LabelSet.From([new("route", "/a"), new("user_id", "42")]);

        Assert.Equal("{route=\"/a\"}", scrubber.WithoutDropped(group).ToString());
        Assert.Same(group, Scrubber().WithoutDropped(group));
    }

    [Fact]
    public void HashFingerprint_SameInputSameHash_DifferentGroupsDiffer()
    {
        string a = PiiScrubber.HashFingerprint("rule-1{email=\"jane@example.com\"}");

        Assert.Equal(a, PiiScrubber.HashFingerprint("rule-1{email=\"jane@example.com\"}"));
        Assert.NotEqual(a, PiiScrubber.HashFingerprint("rule-1{email=\"john@example.com\"}"));
        Assert.Matches("^[0-9a-f]{32}$", a);
        Assert.DoesNotContain("jane", a, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Patterns:0", "(unclosed", "Vigil:Privacy:Patterns:0")]
    [InlineData("Patterns:0", "", "Vigil:Privacy:Patterns:0")]
    [InlineData("DroppedLabels:0", " ", "Vigil:Privacy:DroppedLabels:0")]
    [InlineData("MatchTimeout", "00:01:00", "Vigil:Privacy:MatchTimeout")]
    public void ValidateOnStart_BadPrivacySetting_FailsNamingIt(string key, string value, string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Vigil:Privacy:{key}"] = value }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddVigilNotifications();
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddVigilNotifications_PrivacySection_ScrubberUsesIt()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Privacy:Patterns:0"] = @"\bcust-\d+\b",
            ["Vigil:Privacy:DroppedLabels:0"] = "user_id",
        }).Build();
        var services = new ServiceCollection().AddLogging();
        services.AddVigilNotifications();
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        var scrubber = provider.GetRequiredService<PiiScrubber>();

        Assert.Equal("[redacted] [email]", scrubber.Scrub("cust-7 a@example.com"));
        Assert.True(scrubber.IsDropped("user_id"));
    }

    private static PiiScrubber Scrubber(Action<PrivacyOptions>? configure = null)
    {
        var options = new PrivacyOptions();
        configure?.Invoke(options);
        return new PiiScrubber(options, Microsoft.Extensions.Logging.Abstractions.NullLogger<PiiScrubber>.Instance);
    }
}
