using Vigil.Notifications.Channels;
namespace Vigil.Notifications.Tests.Channels;

/// <summary>Secret references, secrets kept for a new destination, and secrets echoed back in a reply.</summary>
public sealed class ChannelSecretsTests
{
    private static readonly ChannelDefinition Webhook = new("ch-1", "w", ChannelType.Webhook,
        new WebhookChannelConfig("https://hooks.example.com/vigil/abc123?token=xyz", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "tok/en+1"));

    [Theory]
    [InlineData("config:Smtp", "Vigil:Secrets:Smtp")]
    [InlineData("config:Smtp:Password", "Vigil:Secrets:Smtp:Password")]
    [InlineData("config:Vigil:Secrets:Smtp", "Vigil:Secrets:Smtp")]
    [InlineData("config:HOME", "Vigil:Secrets:HOME")]
    [InlineData("config:MasterKey", null)]
    [InlineData("config:vigil:secrets:keyfile", null)]
    [InlineData("config:", null)]
    [InlineData("config::Smtp", null)]
    [InlineData("config:Smtp:", null)]
    [InlineData("config:a b", null)]
    [InlineData("plain-secret", null)]
    public void KeyOf_OnlyKeysUnderTheSecretsSection(string reference, string? expected) =>
        Assert.Equal(expected, SecretReference.KeyOf(reference));

    [Fact]
    public void Validate_MalformedReference_NamesTheField()
    {
        var channel = Webhook with { Config = new WebhookChannelConfig("https://hooks.example.com/", "config:MasterKey", "config:../x") };

        var fields = ChannelValidator.Validate(channel).Select(p => p.Field).ToArray();

        Assert.Equal(["config.secret", "config.bearerToken"], fields);
    }

    [Fact]
    public void SecretsKeptForAnotherDestination_WebhookUrlChanged_NamesEachMaskedSecret()
    {
        var incoming = Webhook with { Config = new WebhookChannelConfig("https://elsewhere.example.net/", ChannelMasking.MaskedValue, ChannelMasking.MaskedValue) };
        var sameUrl = Webhook with { Name = "renamed", Config = new WebhookChannelConfig(ChannelMasking.MaskUrl(((WebhookChannelConfig)Webhook.Config).Url), ChannelMasking.MaskedValue, ChannelMasking.MaskedValue) };
        var newSecrets = Webhook with { Config = new WebhookChannelConfig("https://elsewhere.example.net/", "whsec_bmV3LXNpZ25pbmcta2V5LTEyMzQ=", "new") };

        Assert.Equal(["config.secret", "config.bearerToken"], ChannelMasking.SecretsKeptForAnotherDestination(incoming, Webhook).Select(p => p.Field));
        Assert.Empty(ChannelMasking.SecretsKeptForAnotherDestination(sameUrl, Webhook));
        Assert.Empty(ChannelMasking.SecretsKeptForAnotherDestination(newSecrets, Webhook));
    }

    [Fact]
    public void Redact_ReplyEchoingWhatWasSent_KeepsNoSecretInAnyForm()
    {
        var reply = "HTTP 401 Unauthorized: got Authorization: Bearer tok/en+1, json \"tok\\/en+1\"? escaped tok%2Fen%2B1 url https://hooks.example.com/vigil/abc123?token=xyz";

        var redacted = ChannelMasking.Redact(reply, Webhook);

        Assert.StartsWith("HTTP 401 Unauthorized: got Authorization: Bearer ********", redacted, StringComparison.Ordinal);
        Assert.DoesNotContain("tok", redacted.Replace("token=", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", redacted, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_ReplyCutInsideASecret_MasksTheCutPart()
    {
        var channel = Webhook with { Config = new WebhookChannelConfig("https://hooks.example.com/", null, "a-long-bearer-token") };

        Assert.Equal("HTTP 400: Bearer ********…", ChannelMasking.Redact("HTTP 400: Bearer a-long-be…", channel));
        Assert.Equal("HTTP 400: abc…", ChannelMasking.Redact("HTTP 400: abc…", channel));
    }
}
