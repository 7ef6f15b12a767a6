using System.Runtime.CompilerServices;
using Vigil.Client.Tests.Infrastructure;

namespace Vigil.Client.Tests.Errors;

/// <summary>
/// <see cref="IVigilClient.CaptureException"/>: an exception becomes a Sentry event in an envelope
/// to <c>/api/0/envelope/</c> (what Vigil groups into issues), with its chain, in-app frames with
/// file and line, the release, environment, service, user and tags.
/// </summary>
public sealed class CaptureExceptionTests
{
    [Fact]
    public async Task CaptureException_SentAsEnvelopeEvent_InAppFramesWithFileAndLine_ReleaseEnvironmentUserTags()
    {
        await using var receiver = await FakeVigilReceiver.StartNewAsync();
        await using var harness = ClientHarness.Create(receiver.Endpoint, o =>
        {
            o.ServiceName = "shop";
            o.Release = "shop@1.4.0";
            o.Environment = "staging";
        });

        string? id;
        try
        {
            PlaceOrder(42);
            id = null;
        }
        catch (InvalidOperationException ex)
        {
            id = harness.Client.CaptureException(ex, userId: "user-7", tags: new Dictionary<string, string> { ["tenant"] = "acme", ["service"] = "not-this" });
        }

        await harness.Client.FlushAsync();

        var request = Assert.Single(receiver.Requests);
        Assert.Equal((FakeVigilReceiver.EnvelopePath, "Bearer test-key"), (request.Path, request.Authorization));
        var sent = Assert.Single(receiver.AcceptedErrorEvents());
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, sent.GetProperty("event_id").GetString());
        Assert.Equal(("shop@1.4.0", "staging", "csharp"), (sent.GetProperty("release").GetString(), sent.GetProperty("environment").GetString(), sent.GetProperty("platform").GetString()));
        Assert.Equal("user-7", sent.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal(("shop", "acme"), (sent.GetProperty("tags").GetProperty("service").GetString(), sent.GetProperty("tags").GetProperty("tenant").GetString()));

        // The chain, the thrown exception last; its frames oldest call first, the throw last.
        var values = sent.GetProperty("exception").GetProperty("values").EnumerateArray().ToList();
        Assert.Equal(["System.FormatException", "System.InvalidOperationException"], values.Select(v => v.GetProperty("type").GetString()));
        Assert.Equal("Order 42 could not be placed", values[1].GetProperty("value").GetString());
        var frames = values[1].GetProperty("stacktrace").GetProperty("frames").EnumerateArray().ToList();
        var thrower = frames[^1];
        Assert.Equal(("Vigil.Client.Tests.Errors.CaptureExceptionTests", "PlaceOrder", "CaptureExceptionTests.cs", true),
            (thrower.GetProperty("module").GetString(), thrower.GetProperty("function").GetString(), thrower.GetProperty("filename").GetString(), thrower.GetProperty("in_app").GetBoolean()));
        Assert.True(thrower.GetProperty("lineno").GetInt32() > 0);
        var parse = values[0].GetProperty("stacktrace").GetProperty("frames").EnumerateArray().ToList();
        Assert.Contains(parse, f => !f.GetProperty("in_app").GetBoolean()); // int.Parse's own frames are .NET's
    }

    [Fact]
    public async Task CaptureException_DisabledOrNull_NothingSent()
    {
        await using var receiver = await FakeVigilReceiver.StartNewAsync();
        await using var disabled = ClientHarness.Create(receiver.Endpoint, o => o.Enabled = false);
        await using var enabled = ClientHarness.Create(receiver.Endpoint);

        Assert.Null(disabled.Client.CaptureException(new InvalidOperationException("x")));
        Assert.Null(enabled.Client.CaptureException(null!));
        await enabled.Client.FlushAsync();

        Assert.Empty(receiver.Requests);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PlaceOrder(int id)
    {
        try
        {
            _ = int.Parse("forty-two", System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException($"Order {id} could not be placed", ex);
        }
    }
}
