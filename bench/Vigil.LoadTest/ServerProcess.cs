using System.Globalization;

namespace Vigil.LoadTest;

/// <summary>
/// Reads a local server process's resident memory (<c>VmRSS</c> of <c>/proc/PID/status</c>)
/// and CPU time (<c>utime + stime</c> of <c>/proc/PID/stat</c>). Linux only.
/// </summary>
internal sealed class ServerProcess(int pid)
{
    // USER_HZ: the unit of utime/stime. 100 on every mainstream Linux build.
    private const double ClockTicksPerSecond = 100;

    public int Pid { get; } = pid;

    /// <summary>Resident set size in bytes.</summary>
    public long ReadRssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = line["VmRSS:".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{Pid}/status has no VmRSS line.");
    }

    /// <summary>User plus system CPU time used so far.</summary>
    public TimeSpan ReadCpuTime()
    {
        var stat = File.ReadAllText($"/proc/{Pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count from after it.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    /// <summary>CPU time all processes on the machine used so far (the <c>cpu</c> line of <c>/proc/stat</c>, less idle and iowait).</summary>
    public static TimeSpan ReadMachineBusyTime()
    {
        using var reader = new StreamReader("/proc/stat");
        var fields = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (var i = 1; i < fields.Length; i++)
        {
            // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
            if (i is not (4 or 5 or 9 or 10))
            {
                busy += long.Parse(fields[i], CultureInfo.InvariantCulture);
            }
        }

        return TimeSpan.FromSeconds(busy / ClockTicksPerSecond);
    }

    /// <summary><see cref="ReadRssBytes"/>, or null once the process is gone.</summary>
    public long? TryReadRssBytes()
    {
        try
        {
            return ReadRssBytes();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary><see cref="ReadCpuTime"/>, or null once the process is gone.</summary>
    public TimeSpan? TryReadCpuTime()
    {
        try
        {
            return ReadCpuTime();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static string FormatBytes(long bytes) =>
        Math.Abs(bytes) >= 1024 * 1024
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024.0):0.0} MiB")
            : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB");
}
