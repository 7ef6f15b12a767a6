using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Vigil.Server.Secrets;
using Vigil.Storage.Delivery;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers secrets at rest: Data Protection, its key ring in the database, encrypted under the master key.</summary>
internal static class SecretsServiceCollectionExtensions
{
    /// <summary>
    /// Adds Data Protection with its key ring in the database and the master key as its XML
    /// encryptor. Call it after the service that migrates the database is registered, and before
    /// anything else registers Data Protection: the key ring is opened by a hosted service that
    /// must start before Data Protection's own.
    /// </summary>
    public static IServiceCollection AddVigilSecrets(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(s => s.ServiceType == typeof(MasterKeySource)))
        {
            return services;
        }

        services.AddOptions<SecretsOptions>().Bind(configuration.GetSection(SecretsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<DataProtectionKeyStore>();
        services.AddSingleton<MasterKeySource>();
        services.AddSingleton<KeyRingStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<KeyRingStartup>());
        services.AddSingleton<SecretsCommand>();
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
