using System.Collections.Concurrent;

namespace Vigil.Delivery.Relay;

/// <summary>
/// Lets a relay request wait for the first attempts of its deliveries, which run as jobs: the
/// handler reports each integration's first outcome, the request answers when all reported or
/// its wait ran out. On several processes (PostgreSQL) a report no waiter of this process takes
/// goes to the others over <c>NOTIFY vigil_relay</c> (<see cref="RelayReportListener"/>), so the
/// request answers with the outcomes of deliveries any process made.
/// </summary>
public sealed class RelayWaiters
{
    private readonly ConcurrentDictionary<string, Waiter> _waiters = new(StringComparer.Ordinal);

    /// <summary>Starts waiting for the first outcome of each of <paramref name="channelIds"/>.</summary>
    public Waiter Register(string requestId, IReadOnlyCollection<string> channelIds)
    {
        var waiter = new Waiter(this, requestId, channelIds);
        _waiters[requestId] = waiter;
        return waiter;
    }

    /// <summary>An integration's attempt ended (only its first report counts).</summary>
    /// <returns>Whether a request of this process waits for it.</returns>
    public bool Report(string requestId, string channelId, bool delivered)
    {
        if (_waiters.TryGetValue(requestId, out var waiter))
        {
            waiter.Report(channelId, delivered);
            return true;
        }

        return false;
    }

    /// <summary>One request's wait.</summary>
    public sealed class Waiter : IDisposable
    {
        private readonly RelayWaiters _owner;
        private readonly string _requestId;
        private readonly Dictionary<string, bool?> _results;
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Waiter(RelayWaiters owner, string requestId, IReadOnlyCollection<string> channelIds)
        {
            _owner = owner;
            _requestId = requestId;
            _results = channelIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => (bool?)null, StringComparer.Ordinal);
            if (_results.Count == 0)
            {
                _done.TrySetResult();
            }
        }

        /// <summary>Waits until every integration reported, or <paramref name="timeout"/>; returns the counts.</summary>
        public async Task<(int Successful, int Failed, int Pending)> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            try
            {
                await _done.Task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Answer with what is known; the rest stays queued.
            }

            lock (_results)
            {
                return (_results.Values.Count(v => v == true), _results.Values.Count(v => v == false), _results.Values.Count(v => v is null));
            }
        }

        /// <summary>An integration's attempt ended; only its first report counts.</summary>
        public void Report(string channelId, bool delivered)
        {
            lock (_results)
            {
                if (!_results.TryGetValue(channelId, out var known) || known is not null)
                {
                    return;
                }

                _results[channelId] = delivered;
                if (_results.Values.All(v => v is not null))
                {
                    _done.TrySetResult();
                }
            }
        }

        /// <summary>Stops waiting.</summary>
        public void Dispose() => _owner._waiters.TryRemove(new KeyValuePair<string, Waiter>(_requestId, this));
    }
}
