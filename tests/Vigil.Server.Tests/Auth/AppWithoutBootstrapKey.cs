using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Vigil.Testing;

namespace Vigil.Server.Tests.Auth;

/// <summary>
/// The in-process server as <see cref="VigilApp"/> starts it, but with no
/// <c>Vigil:Auth:BootstrapAdminKey</c> at all: a first start as a new user makes it.
/// (The test host turns settings into command-line arguments, so a setting cannot be taken
/// away from <see cref="VigilApp"/>, only set to an empty string.)
/// </summary>
internal sealed class AppWithoutBootstrapKey(TestDatabase database) : WebApplicationFactory<Program>
{
    public FakeTimeProvider Time { get; } = VigilApp.NewClock();

    public HttpClient WithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Vigil:Storage:Provider", database.Provider.ToString());
        builder.UseSetting("Vigil:Storage:ConnectionString", database.Options.ConnectionString);
        builder.ConfigureServices(services =>
        {
            services.RemoveAll<TimeProvider>();
            services.AddSingleton<TimeProvider>(Time);
        });
    }
}
