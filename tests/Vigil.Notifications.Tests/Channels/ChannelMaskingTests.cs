using Vigil.Notifications.Channels;
namespace Vigil.Notifications.Tests.Channels;

public sealed class ChannelMaskingTests
{
    [Fact]
    public void Mask_Webhook_HidesSecretTokenAndUrlPath()
    {
        var channel = new ChannelDefinition("ch-1", "w", ChannelType.Webhook,
            new WebhookChannelConfig("https://hooks.example.com:8443/vigil/abc123?token=xyz", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "tok-1"));

        var masked = (WebhookChannelConfig)ChannelMasking.Mask(channel).Config;

        Assert.Equal("https://hooks.example.com:8443/********", masked.Url);
        Assert.Equal("********", masked.Secret);
        Assert.Equal("********", masked.BearerToken);
        string json = ChannelJson.Serialize(ChannelMasking.Mask(channel));
        Assert.DoesNotContain("abc123", json, StringComparison.Ordinal);
        Assert.DoesNotContain("xyz", json, StringComparison.Ordinal);
        Assert.DoesNotContain("MfKQ9r8", json, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-1", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_UnsetSecrets_StayNull()
    {
        var channel = new ChannelDefinition("ch-1", "w", ChannelType.Webhook, new WebhookChannelConfig("https://hooks.example.com/", null, null));

        var masked = (WebhookChannelConfig)ChannelMasking.Mask(channel).Config;

        Assert.Null(masked.Secret);
        Assert.Null(masked.BearerToken);
        Assert.Equal("https://hooks.example.com/", masked.Url);
    }

    [Theory]
    [InlineData(ChannelType.Slack, "https://hooks.slack.com/services/T000/B000/XXXX", "https://hooks.slack.com/********")]
    [InlineData(ChannelType.Discord, "https://discord.com/api/webhooks/123/secret-token", "https://discord.com/********")]
    [InlineData(ChannelType.Teams, "https://example.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456", "https://example.webhook.office.com/********")]
    public void Mask_ChatWebhookUrl_KeepsSchemeAndHostOnly(ChannelType type, string url, string expected)
    {
        var masked = (ChatChannelConfig)ChannelMasking.Mask(new ChannelDefinition("ch", "c", type, new ChatChannelConfig(url))).Config;

        Assert.Equal(expected, masked.WebhookUrl);
    }

    [Fact]
    public void Mask_EmailPassword_IsHiddenAndTheRestKept()
    {
        var config = new EmailChannelConfig("smtp.example.com", 587, SmtpTls.StartTls, "vigil", "hunter2", "vigil@example.com", ["ops@example.com"]);

        var masked = (EmailChannelConfig)ChannelMasking.Mask(new ChannelDefinition("ch", "m", ChannelType.Email, config)).Config;

        Assert.Equal(config with { Password = "********" }, masked);
    }

    [Fact]
    public void RestoreSecrets_MaskedValuesSentBack_KeepTheStoredSecrets()
    {
        var stored = new ChannelDefinition("ch-1", "w", ChannelType.Webhook, new WebhookChannelConfig("https://hooks.example.com/vigil/abc", "s3cret", "tok"));
        var edited = ChannelMasking.Mask(stored) with { Name = "renamed" };

        var restored = ChannelMasking.RestoreSecrets(edited, stored);

        Assert.Equal(stored with { Name = "renamed" }, restored);
    }

    [Fact]
    public void RestoreSecrets_NewValues_AreKept()
    {
        var stored = new ChannelDefinition("ch-1", "w", ChannelType.Webhook, new WebhookChannelConfig("https://hooks.example.com/vigil/abc", "s3cret", "tok"));
        var edited = stored with { Config = new WebhookChannelConfig("https://hooks.example.com/new", "new-secret", null) };

        Assert.Equal(edited, ChannelMasking.RestoreSecrets(edited, stored));
    }
}
