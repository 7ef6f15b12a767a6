using System.Net;
using System.Security.Cryptography;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Delivery.Acknowledge;
using Vigil.Delivery.Channels;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Tests.Infrastructure;
using Vigil.Server.Tests.Delivery;
using Vigil.Storage;
using Vigil.Storage.Delivery;
using Vigil.Storage.Secrets;
using Vigil.Testing;

namespace Vigil.Server.Tests.Secrets;

/// <summary>
/// The key ring in the database is encrypted under the master key, which is not in the database:
/// a copy of the database alone decrypts no channel and signs no link; keys an older Vigil stored in
/// clear are encrypted at start; a wrong or missing key stops the start and changes nothing.
/// </summary>
public abstract class KeyRingTests(StorageProvider provider) : ServerTestBase(provider)
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Vigil:Alerts:EvaluationEnabled"] = "false",
        ["Vigil:Delivery:AllowPrivateNetworks"] = "true", // the receiver listens on loopback
        ["Vigil:Http:PublicUrl"] = "https://vigil.example.com/",
    };

    private static string WebhookChannel(Uri url) => $$$"""
        {"name":"ops-webhook","type":"webhook","config":{"url":"{{{url}}}","bearerToken":"bearer-s3cret"}}
        """;

    [Fact]
    public async Task DatabaseCopy_WithoutTheKey_DecryptsNoChannelAndMintsNoAcceptedLink()
    {
        await using var app = StartApp(settings: Settings);
        var client = app.Admin();
        var channelId = (await (await client.PostJsonAsync("/api/v1/channels", WebhookChannel(new Uri("https://hooks.example.com/t0ken")))).ReadAsync()).GetProperty("id").GetString()!;
        var (alertId, link) = await AcknowledgeLinkTests.FiringAlertWithLinkAsync(app);
        Assert.Equal(alertId, app.Services.GetRequiredService<AcknowledgeLinks>().Read(new Uri(link).Segments[^1])); // the server's own link works

        await using var copy = await CopyOfTheDatabaseAsync();
        var rows = await new DataProtectionKeyStore(copy).RowsAsync();
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.False(KeyRingXml.HasSecretInClear(XElement.Parse(r.Xml)), r.Xml));
        Assert.All(rows, r => Assert.DoesNotContain("<value>", r.Xml, StringComparison.Ordinal));

        var stolen = DataProtectionOver(new DataProtectionKeyStore(copy), app.Time, writable: false);
        var storedBody = Assert.Single(await new ChannelRepository(copy).ListAsync(), c => c.Id == channelId).Config;
        Assert.ThrowsAny<CryptographicException>(() => stolen.CreateProtector("Vigil.Channels.v1").Unprotect(storedBody));

        // What the thief can sign, it signs with a key of its own making: the live server refuses it.
        var forged = stolen.CreateProtector("Vigil.AcknowledgeLink.v1").Protect($"{alertId}|{app.Time.GetUtcNow().AddDays(1).ToUnixTimeSeconds()}");
        Assert.Equal(HttpStatusCode.NotFound, (await app.WithKey(null).PostAsync($"/ack/{forged}", null)).StatusCode);
        Assert.Equal("firing", (await (await client.GetAsync($"/api/v1/alerts/{alertId}")).ReadAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task StartUp_KeysStoredInClearByAnOlderVersion_EncryptedAndChannelsStillDecrypt()
    {
        await using var webhook = await WebhookReceiver.StartAsync();
        var time = VigilApp.NewClock();
        await using (var database = new Database(Database.Options))
        {
            // What Vigil did before the master key: a key ring in clear, a channel encrypted with it.
            await new Migrator(database, [Vigil.Jobs.Queue.JobQueue.Migrations]).MigrateAsync(time.GetUtcNow().ToUnixTimeMilliseconds());
            var older = DataProtectionOver(new DataProtectionKeyStore(database), time, writable: true);
            var channels = new ChannelStore(new ChannelRepository(database), older, new ConfigurationBuilder().Build(), Vigil.Server.Tests.Infrastructure.TestCaches.OneNode(time));
            var channel = ChannelJson.Parse(WebhookChannel(webhook.Url()), "older-channel").Channel!;
            var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
            Assert.True(await new ChannelRepository(database).InsertAsync(channels.ToStored(channel, null, nowMs, nowMs, 1)));
            Assert.Contains(await new DataProtectionKeyStore(database).RowsAsync(), r => KeyRingXml.HasSecretInClear(XElement.Parse(r.Xml)));
        }

        await using (var app = StartApp(time, Settings))
        {
            var client = app.Admin();
            Assert.Equal("ops-webhook", (await (await client.GetAsync("/api/v1/channels/older-channel")).ReadAsync()).GetProperty("name").GetString());
            var test = await (await client.PostAsync("/api/v1/channels/older-channel/test", null)).ReadAsync();
            Assert.True(test.GetProperty("delivered").GetBoolean(), test.ToString());
            Assert.Equal("Bearer bearer-s3cret", Assert.Single(webhook.Requests).Header("Authorization"));
        }

        await using (var database = new Database(Database.Options))
        {
            var rows = await new DataProtectionKeyStore(database).RowsAsync();
            Assert.All(rows, r => Assert.False(KeyRingXml.HasSecretInClear(XElement.Parse(r.Xml)), r.Xml));
            Assert.All(rows, r => Assert.True(KeyRingXml.IsEncrypted(XElement.Parse(r.Xml))));
            var storedBody = Assert.Single(await new ChannelRepository(database).ListAsync()).Config;
            var withoutTheKey = DataProtectionOver(new DataProtectionKeyStore(database), time, writable: false);
            Assert.ThrowsAny<CryptographicException>(() => withoutTheKey.CreateProtector("Vigil.Channels.v1").Unprotect(storedBody));
        }

        // And it starts again on the encrypted ring.
        await using var again = StartApp(time, Settings);
        Assert.Equal(HttpStatusCode.OK, (await again.Admin().GetAsync("/api/v1/channels/older-channel")).StatusCode);
    }

    [Fact]
    public async Task StartUp_WrongOrMissingKey_FailsNamingTheKeyAndChangesNothing()
    {
        string channelId;
        await using (var app = StartApp(settings: Settings))
        {
            channelId = (await (await app.Admin().PostJsonAsync("/api/v1/channels", WebhookChannel(new Uri("https://hooks.example.com/t0ken")))).ReadAsync()).GetProperty("id").GetString()!;
        }

        var keyFile = VigilApp.KeyFileOf(Database);
        var before = await KeyRowsAsync();

        var wrongKey = await StartFailureAsync(new Dictionary<string, string?>(Settings) { ["Vigil:Secrets:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });
        Assert.Contains("Vigil:Secrets:MasterKey", wrongKey.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', wrongKey.Message);

        var saved = keyFile + ".saved";
        File.Move(keyFile, saved);
        var missing = await StartFailureAsync(Settings);
        Assert.Contains(keyFile, missing.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(keyFile)); // no new key was made for an encrypted ring
        Assert.Equal(before, await KeyRowsAsync());

        File.Move(saved, keyFile);
        await using var restored = StartApp(settings: Settings);
        Assert.Equal(HttpStatusCode.OK, (await restored.Admin().GetAsync($"/api/v1/channels/{channelId}")).StatusCode);
    }

    [Fact]
    public async Task StartUp_KeyRingWrittenBeforeTheMoveToVigilStorage_OpensAndDecrypts()
    {
        var time = VigilApp.NewClock();
        await using (var database = new Database(Database.Options))
        {
            // The ring as an installation of Vigil 0.1 holds it: its key names Vigil.Server's decryptor.
            await new Migrator(database, [Vigil.Jobs.Queue.JobQueue.Migrations]).MigrateAsync(time.GetUtcNow().ToUnixTimeMilliseconds());
            new DataProtectionKeyStore(database).Store(LegacyKeyRing.KeyName, LegacyKeyRing.KeyXml, time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        var settings = new Dictionary<string, string?>(Settings) { ["Vigil:Secrets:MasterKey"] = LegacyKeyRing.MasterKey };
        await using var app = StartApp(time, settings);
        await app.Services.GetRequiredService<KeyRingStartup>().PrepareAsync();

        var protection = app.Services.GetRequiredService<IDataProtectionProvider>();
        Assert.Equal(LegacyKeyRing.Plaintext, protection.CreateProtector(LegacyKeyRing.Purpose).Unprotect(LegacyKeyRing.Payload));
        await using var check = new Database(Database.Options);
        Assert.Contains(await new DataProtectionKeyStore(check).RowsAsync(), r => r.Name == LegacyKeyRing.KeyName && r.Xml == LegacyKeyRing.KeyXml); // read as it is, not rewritten
    }

    [Fact]
    public async Task StartUp_KeyRingWrittenBeforeTheMove_WrongKey_FailsNamingTheKey()
    {
        var time = VigilApp.NewClock();
        await using (var database = new Database(Database.Options))
        {
            await new Migrator(database, [Vigil.Jobs.Queue.JobQueue.Migrations]).MigrateAsync(time.GetUtcNow().ToUnixTimeMilliseconds());
            new DataProtectionKeyStore(database).Store(LegacyKeyRing.KeyName, LegacyKeyRing.KeyXml, time.GetUtcNow().ToUnixTimeMilliseconds());
        }

        var failure = await StartFailureAsync(new Dictionary<string, string?>(Settings) { ["Vigil:Secrets:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) });

        Assert.Contains("Vigil:Secrets:MasterKey", failure.Message, StringComparison.Ordinal);
        Assert.Contains(LegacyKeyRing.KeyName, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MasterKeyFromConfiguration_NoKeyFileWritten_AndTheSameKeyStartsAgain()
    {
        var settings = new Dictionary<string, string?>(Settings) { ["Vigil:Secrets:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) };
        string channelId;
        await using (var app = StartApp(settings: settings))
        {
            channelId = (await (await app.Admin().PostJsonAsync("/api/v1/channels", WebhookChannel(new Uri("https://hooks.example.com/t0ken")))).ReadAsync()).GetProperty("id").GetString()!;
        }

        Assert.False(File.Exists(VigilApp.KeyFileOf(Database)));
        await using var again = StartApp(settings: settings);
        Assert.Equal(HttpStatusCode.OK, (await again.Admin().GetAsync($"/api/v1/channels/{channelId}")).StatusCode);
    }

    /// <summary>
    /// Starts the server and returns why it refused to: Program.cs stops before the host starts,
    /// so the server never started, and the key ring check names the problem.
    /// </summary>
    private async Task<SecretsUnavailableException> StartFailureAsync(Dictionary<string, string?> settings)
    {
        await using var app = new VigilApp(Database, VigilApp.NewClock(), settings);
        Assert.False(app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.IsCancellationRequested, "the server started");
        return await Assert.ThrowsAsync<SecretsUnavailableException>(() => app.Services.GetRequiredService<KeyRingStartup>().PrepareAsync());
    }

    private async Task<string> KeyRowsAsync()
    {
        await using var database = new Database(Database.Options);
        return string.Join('\n', (await new DataProtectionKeyStore(database).RowsAsync()).Select(r => r.Name + "=" + r.Xml));
    }

    /// <summary>A copy of the database as a thief would have it: the SQLite file (a backup of it), or the PostgreSQL database itself, read only.</summary>
    private async Task<Database> CopyOfTheDatabaseAsync()
    {
        if (Provider == StorageProvider.Postgres)
        {
            return new Database(Database.Options);
        }

        var folder = Directory.CreateTempSubdirectory("vigil-stolen-").FullName;
        var copy = $"Data Source={Path.Combine(folder, "vigil.db")}";
        await using (var source = new SqliteConnection(Database.Options.ConnectionString))
        await using (var target = new SqliteConnection(copy))
        {
            await source.OpenAsync();
            await target.OpenAsync();
            source.BackupDatabase(target);
        }

        return new Database(new StorageOptions { Provider = StorageProvider.Sqlite, ConnectionString = copy });
    }

    /// <summary>
    /// A fresh Data Protection on the key ring of <paramref name="store"/> with no master key, as
    /// Vigil was before it had one: the keys it makes go to the database when <paramref name="writable"/>
    /// (an older Vigil), else they stay in memory (a thief's copy).
    /// </summary>
    private static IDataProtectionProvider DataProtectionOver(DataProtectionKeyStore store, TimeProvider time, bool writable)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().SetApplicationName("Vigil");
        var repository = new DatabaseXmlRepository(store, time);
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = writable ? repository : new InMemoryAdditions(repository));
        return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>();
    }

    /// <summary>Reads the stored ring; keys it is asked to store stay in memory.</summary>
    private sealed class InMemoryAdditions(IXmlRepository stored) : IXmlRepository
    {
        private readonly List<XElement> _made = [];

        public IReadOnlyCollection<XElement> GetAllElements() => [.. stored.GetAllElements(), .. _made];

        public void StoreElement(XElement element, string friendlyName) => _made.Add(element);
    }
}

public sealed class SqliteKeyRingTests() : KeyRingTests(StorageProvider.Sqlite);

public sealed class PostgresKeyRingTests() : KeyRingTests(StorageProvider.Postgres);
