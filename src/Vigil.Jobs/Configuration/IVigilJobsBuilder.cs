using Vigil.Jobs.Processing;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Configures the job queue further: its handlers.</summary>
public interface IVigilJobsBuilder
{
    /// <summary>The application's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>Registers a handler (a singleton) for the job type it names. Safe to call twice with the same type.</summary>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <returns>This builder.</returns>
    IVigilJobsBuilder AddJobHandler<THandler>()
        where THandler : class, IJobHandler;
}
