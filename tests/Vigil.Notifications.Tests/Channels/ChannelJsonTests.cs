using Vigil.Notifications.Channels;
namespace Vigil.Notifications.Tests.Channels;

public sealed class ChannelJsonTests
{
    [Fact]
    public void Parse_WebhookBody_ReadsEveryField()
    {
        var result = ChannelJson.Parse("""
            { "name": "ops-webhook", "type": "webhook", "enabled": false, "maxConcurrency": 3, "digestMinutes": 15,
              "quietHours": { "start": "22:00", "end": "07:00", "timeZone": "Europe/Paris" },
              "config": { "url": "https://hooks.example.com/vigil", "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "bearerToken": null } }
            """, id: "ch-1");

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        var channel = result.Channel!;
        Assert.Equal("ch-1", channel.Id);
        Assert.Equal(ChannelType.Webhook, channel.Type);
        Assert.False(channel.Enabled);
        Assert.Equal(3, channel.MaxConcurrency);
        Assert.Equal(15, channel.DigestMinutes);
        Assert.Equal(new QuietHours(new TimeOnly(22, 0), new TimeOnly(7, 0), "Europe/Paris"), channel.QuietHours);
        Assert.Equal(new WebhookChannelConfig("https://hooks.example.com/vigil", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", null), channel.Config);
    }

    [Fact]
    public void Parse_Defaults_EnabledWithConcurrency5()
    {
        var channel = ChannelJson.Parse("""{ "name": "feed", "type": "in_app" }""").Channel!;

        Assert.True(channel.Enabled);
        Assert.Equal(5, channel.MaxConcurrency);
        Assert.Null(channel.DigestMinutes);
        Assert.IsType<InAppChannelConfig>(channel.Config);
    }

    [Fact]
    public void Parse_EmailBody_DefaultsThePortFromTheTlsMode()
    {
        var channel = ChannelJson.Parse("""
            { "name": "mail", "type": "email", "config": { "host": "smtp.example.com", "tls": "ssl", "username": "vigil", "password": "pw",
              "from": "Vigil <vigil@example.com>", "to": ["ops@example.com", "oncall@example.com"] } }
            """).Channel!;

        var email = Assert.IsType<EmailChannelConfig>(channel.Config);
        Assert.Equal(465, email.Port);
        Assert.Equal(SmtpTls.Ssl, email.Tls);
        Assert.Equal(["ops@example.com", "oncall@example.com"], email.To);
    }

    [Theory]
    [InlineData("slack", ChannelType.Slack)]
    [InlineData("discord", ChannelType.Discord)]
    [InlineData("teams", ChannelType.Teams)]
    public void Parse_ChatBody_ReadsTheWebhookUrl(string type, ChannelType expected)
    {
        var channel = ChannelJson.Parse($$"""{ "name": "chat", "type": "{{type}}", "config": { "webhookUrl": "https://chat.example.com/hooks/abc" } }""").Channel!;

        Assert.Equal(expected, channel.Type);
        Assert.Equal(new ChatChannelConfig("https://chat.example.com/hooks/abc"), channel.Config);
    }

    [Theory]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { } }""", "config.url")]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { "url": "ftp://files.example.com/x" } }""", "config.url")]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { "url": "/relative" } }""", "config.url")]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { "url": "https://user:pw@hooks.example.com/x" } }""", "config.url")]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { "url": "https://hooks.example.com/x", "secret": "whsec_not base64!" } }""", "config.secret")]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { "url": "https://hooks.example.com/x", "bearerToken": "two words" } }""", "config.bearerToken")]
    [InlineData("""{ "name": "s", "type": "slack", "config": { "webhookUrl": "javascript:alert(1)" } }""", "config.webhookUrl")]
    [InlineData("""{ "name": "w", "type": "webhook", "maxConcurrency": 0, "config": { "url": "https://hooks.example.com/x" } }""", "maxConcurrency")]
    [InlineData("""{ "name": "w", "type": "webhook", "maxConcurrency": 11, "config": { "url": "https://hooks.example.com/x" } }""", "maxConcurrency")]
    [InlineData("""{ "name": "w", "type": "webhook", "maxConcurrency": "5", "config": { "url": "https://hooks.example.com/x" } }""", "maxConcurrency")]
    [InlineData("""{ "name": "w", "type": "pager", "config": { } }""", "type")]
    [InlineData("""{ "name": "w", "config": { } }""", "type")]
    [InlineData("""{ "type": "in_app" }""", "name")]
    [InlineData("""{ "name": "w", "type": "webhook" }""", "config")]
    [InlineData("""{ "name": "w", "type": "webhook", "colour": "red", "config": { "url": "https://hooks.example.com/x" } }""", "colour")]
    [InlineData("""{ "name": "w", "type": "webhook", "config": { "url": "https://hooks.example.com/x", "token": "x" } }""", "config.token")]
    [InlineData("""{ "name": "w", "type": "webhook", "digestMinutes": 0, "config": { "url": "https://hooks.example.com/x" } }""", "digestMinutes")]
    [InlineData("""{ "name": "w", "type": "in_app", "quietHours": { "start": "22:00", "end": "07:00", "timeZone": "Mars/Olympus" } }""", "quietHours.timeZone")]
    [InlineData("""{ "name": "w", "type": "in_app", "quietHours": { "start": "25:00", "end": "07:00", "timeZone": "UTC" } }""", "quietHours.start")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "port": 70000, "from": "v@example.com", "to": ["o@example.com"] } }""", "config.port")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "port": 0, "from": "v@example.com", "to": ["o@example.com"] } }""", "config.port")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "tls": "tls13", "from": "v@example.com", "to": ["o@example.com"] } }""", "config.tls")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "from": "not an address", "to": ["o@example.com"] } }""", "config.from")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "from": "v@example.com", "to": [] } }""", "config.to")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "from": "v@example.com", "to": ["o@example.com", "oops"] } }""", "config.to[1]")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "from": "v@example.com", "to": ["a@example.com, b@example.com"] } }""", "config.to[0]")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "host": "smtp.example.com", "username": "u", "from": "v@example.com", "to": ["o@example.com"] } }""", "config.password")]
    [InlineData("""{ "name": "m", "type": "email", "config": { "from": "v@example.com", "to": ["o@example.com"] } }""", "config.host")]
    public void Parse_MalformedBody_NamesTheField(string json, string field)
    {
        var result = ChannelJson.Parse(json);

        Assert.False(result.IsValid);
        Assert.Null(result.Channel);
        Assert.Contains(result.Problems, p => p.Field == field);
    }

    [Fact]
    public void Parse_SeveralBadFields_ReportsEveryOne()
    {
        var result = ChannelJson.Parse("""
            { "name": "", "type": "email", "maxConcurrency": 11,
              "config": { "host": "", "port": -1, "from": "x", "to": ["ok@example.com", "bad", 7] } }
            """);

        Assert.Equal(
            ["config.from", "config.host", "config.port", "config.to[1]", "config.to[2]", "maxConcurrency", "name"],
            result.Problems.Select(p => p.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Parse_NotJson_IsAProblemNotAnException()
    {
        var result = ChannelJson.Parse("{ \"name\": ");

        Assert.Single(result.Problems);
        Assert.Null(result.Channel);
    }

    [Fact]
    public void Serialize_ThenParse_RoundTrips()
    {
        var channel = new ChannelDefinition("ch-9", "mail", ChannelType.Email,
            new EmailChannelConfig("smtp.example.com", 587, SmtpTls.StartTls, "vigil", "pw", "vigil@example.com", ["a@example.com", "b@example.com"]))
        {
            MaxConcurrency = 2,
            DigestMinutes = 30,
            QuietHours = new QuietHours(new TimeOnly(23, 0), new TimeOnly(6, 30), "UTC"),
        };

        var parsed = ChannelJson.Parse(ChannelJson.Serialize(channel));

        Assert.Equal(channel, parsed.Channel);
    }

    [Fact]
    public void ToJson_WritesWireNames()
    {
        var json = ChannelJson.ToJson(new ChannelDefinition("ch-1", "feed", ChannelType.InApp, new InAppChannelConfig()));

        Assert.Equal("in_app", json["type"]!.GetValue<string>());
        Assert.Equal(5, json["maxConcurrency"]!.GetValue<int>());
    }
}
