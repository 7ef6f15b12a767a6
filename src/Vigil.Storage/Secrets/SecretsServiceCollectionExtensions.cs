using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Storage;
using Vigil.Storage.Secrets;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers secrets at rest: Data Protection, its key ring in the database, encrypted under the master key.</summary>
public static class SecretsServiceCollectionExtensions
{
    /// <summary>
    /// Adds Data Protection with its key ring in the database and the master key as its XML
    /// encryptor, <see cref="KeyRingStartup"/> and <see cref="MasterKeyRotation"/>. Needs the
    /// <see cref="Migrator"/>, <see cref="StorageOptions"/> and a <see cref="TimeProvider"/>. Call it
    /// before anything else registers Data Protection: the key ring is opened by a hosted service
    /// that must start before Data Protection's own. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddVigilSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(s => s.ServiceType == typeof(MasterKeySource)))
        {
            return services;
        }

        services.AddOptions<SecretsOptions>().Bind(configuration.GetSection(SecretsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<DataProtectionKeyStore>();
        services.AddSingleton<MasterKeySource>();
        services.AddSingleton(sp => new KeyRingStartup(
            sp.GetRequiredService<Migrator>(), sp.GetRequiredService<DataProtectionKeyStore>(), sp.GetRequiredService<MasterKeySource>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<KeyRingStartup>>()));
        services.AddHostedService(sp => sp.GetRequiredService<KeyRingStartup>());
        services.AddSingleton(sp => new MasterKeyRotation(
            sp.GetRequiredService<KeyRingStartup>(), sp.GetRequiredService<MasterKeySource>(), sp.GetRequiredService<DataProtectionKeyStore>()));
        services.AddDataProtection().SetApplicationName("Vigil");
        services.AddOptions<KeyManagementOptions>()
            .Configure<DataProtectionKeyStore, MasterKeySource, TimeProvider>((o, store, source, time) =>
            {
                o.XmlRepository = new DatabaseXmlRepository(store, time);
                o.XmlEncryptor = new MasterKeyXmlEncryptor(source);
            });
        return services;
    }
}
