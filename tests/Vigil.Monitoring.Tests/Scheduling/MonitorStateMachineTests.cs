using Vigil.Monitoring.Checks;
using Vigil.Monitoring.Definitions;
using Vigil.Monitoring.Scheduling;
using Vigil.Storage.Monitors;

namespace Vigil.Monitoring.Tests.Scheduling;

/// <summary>The state machine by table: retries, down once, recovery, maintenance.</summary>
public sealed class MonitorStateMachineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    //           before      failures retries maintenance result      → after       alert   check
    [InlineData(null,        0,       0,      false,      "up",       "up",         null,   "up")]
    [InlineData(null,        0,       0,      false,      "down",     "down",       "down", "down")]
    [InlineData("up",        0,       2,      false,      "down",     "pending",    null,   "pending")]
    [InlineData("pending",   2,       2,      false,      "down",     "down",       "down", "down")]
    [InlineData("pending",   1,       2,      false,      "up",       "up",         null,   "up")]
    [InlineData("down",      3,       0,      false,      "down",     "down",       null,   "down")]
    [InlineData("down",      3,       0,      false,      "degraded", "degraded",   "up",   "degraded")]
    [InlineData("up",        0,       0,      true,       "down",     "pending",    null,   "pending")]
    [InlineData("pending",   5,       0,      true,       "down",     "pending",    null,   "pending")]
    [InlineData("down",      1,       0,      true,       "down",     "down",       null,   "down")]
    [InlineData("down",      1,       0,      true,       "up",       "up",         "up",   "up")]
    public void Apply_ByTable(string? before, long failures, int retries, bool maintenance, string result, string after, string? alert, string check)
    {
        var monitor = new MonitorDefinition { Id = "m1", Name = "api", Url = "http://example.com/", Retries = retries };
        var state = MonitorStateRecord.Empty with { Status = before, ConsecutiveFailures = failures, StatusSinceMs = before is null ? null : 1 };
        MonitorNames.TryParseStatus(result, out var status);

        var transition = MonitorStateMachine.Apply(monitor, state, new CheckResult(status, 12, 200, status == MonitorStatus.Down ? "boom" : null), maintenance, Now);

        Assert.Equal(after, transition.State.Status);
        Assert.Equal(alert, transition.Alert?.ToWire());
        Assert.Equal((check, maintenance), (transition.Check.Status, transition.Check.Maintenance));
        Assert.Equal(before == after ? 1 : Now.ToUnixTimeMilliseconds(), transition.State.StatusSinceMs);
    }
}
