namespace Vigil.Storage;

/// <summary>A turn to write taken with <see cref="Database.WriterTurnAsync"/>: disposing it (once) lets the next writer in.</summary>
internal sealed class WriterTurn(SemaphoreSlim? writer) : IAsyncDisposable
{
    /// <summary>The turn of a database that needs none (PostgreSQL).</summary>
    public static WriterTurn None { get; } = new(null);

    private SemaphoreSlim? _writer = writer;

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _writer, null)?.Release();
        return ValueTask.CompletedTask;
    }
}
