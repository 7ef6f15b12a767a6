using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Vigil.Client;

/// <summary>
/// Listens to the traced <see cref="ActivitySource"/>s (<see cref="VigilClientOptions.TraceSources"/>
/// and the client's own) while the host runs, samples traces at
/// <see cref="VigilClientOptions.TracesSampleRate"/>, and hands every recorded activity that stops
/// to the buffer as a span. Incoming requests count only when the request tracking middleware
/// marked them (it names them by route): another application's requests in the same process, or
/// requests the application does not track, are not its transactions.
/// </summary>
internal sealed class VigilTraceListener : IHostedService, IDisposable
{
    private readonly VigilClient _client;
    private readonly VigilClientOptions _options;
    private readonly HashSet<string> _sources;
    private ActivityListener? _listener;

    public VigilTraceListener(VigilClient client, IOptions<VigilClientOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
        _sources = new HashSet<string>((IEnumerable<string>?)_options.TraceSources ?? VigilClientOptions.DefaultTraceSources, StringComparer.Ordinal) { VigilClientOptions.ActivitySourceName };
    }

    /// <summary>Whether the listener is on (the client is enabled and traces a share above 0).</summary>
    public bool IsListening => _listener is not null;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Adds the listener (once), unless the client is disabled or the sample rate is 0.</summary>
    public void Start()
    {
        if (_listener is not null || !_options.Enabled || _options.TracesSampleRate <= 0)
        {
            return;
        }

        var rate = _options.TracesSampleRate;
        var listener = new ActivityListener
        {
            ShouldListenTo = source => _sources.Contains(source.Name),
            Sample = (ref ActivityCreationOptions<ActivityContext> creation) => Sample(creation.Parent, creation.TraceId, rate),
            SampleUsingParentId = (ref ActivityCreationOptions<string> _) => VigilTracing.Suppressed ? ActivitySamplingResult.None : ActivitySamplingResult.PropagationData,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(listener);
        _listener = listener;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _listener = null;
    }

    private static ActivitySamplingResult Sample(ActivityContext parent, ActivityTraceId traceId, double rate)
    {
        if (VigilTracing.Suppressed)
        {
            return ActivitySamplingResult.None;
        }

        // A child follows its parent's decision (local or propagated in traceparent); a root is decided by its trace id.
        var recorded = parent != default
            ? (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0
            : VigilTracing.IsSampled(traceId, rate);
        return recorded ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.PropagationData;
    }

    private void OnStopped(Activity activity)
    {
        if (!activity.Recorded
            || (activity.Source.Name == VigilTracing.AspNetCoreSource && activity.GetCustomProperty(VigilTracing.RequestProperty) is null))
        {
            return;
        }

        _client.RecordSpan(activity);
    }
}
