using System.Text.Json;

namespace Vigil.Server.Tests;

/// <summary>Waits for what another process or a background loop does: reads again until a condition holds.</summary>
internal static class Eventually
{
    /// <summary>
    /// Reads until <paramref name="done"/> holds (real time, every 50 ms, at most
    /// <paramref name="timeout"/>, default 15 s); fails the test with the last value otherwise.
    /// </summary>
    public static async Task<T> ReachAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            value = await read();
        }

        Assert.True(done(value), $"not reached in time: {(value is JsonElement[] json ? JsonSerializer.Serialize(json) : value?.ToString())}");
        return value;
    }
}
