using Vigil.Core.Alerts;
using Vigil.Core.Metrics;
using Vigil.Storage.Alerts;

namespace Vigil.Server.Alerts;

/// <summary>The silences active at one moment, loaded once per pass or action.</summary>
internal sealed class SilenceSet
{
    private readonly List<Silence> _active;

    private SilenceSet(List<Silence> active) => _active = active;

    /// <summary>The silences active at <paramref name="now"/>.</summary>
    public static async Task<SilenceSet> LoadAsync(SilenceRepository silences, DateTimeOffset now, CancellationToken cancellationToken) =>
        new([.. (await silences.ListAsync(now.ToUnixTimeMilliseconds(), cancellationToken).ConfigureAwait(false)).Where(s => s.IsActive(now))]);

    /// <summary>Whether any active silence matches an alert of <paramref name="rule"/> for <paramref name="group"/> at <paramref name="severity"/>.</summary>
    public bool Matches(AlertRule rule, LabelSet group, Severity severity)
    {
        foreach (var silence in _active)
        {
            if (silence.Matches(rule, group, severity))
            {
                return true;
            }
        }

        return false;
    }
}
