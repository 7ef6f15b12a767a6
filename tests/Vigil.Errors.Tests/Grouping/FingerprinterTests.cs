using Vigil.Errors.Events;
using Vigil.Errors.Grouping;

namespace Vigil.Errors.Tests.Grouping;

public sealed class FingerprinterTests
{
    private static ErrorFrame Frame(string module, string function, int line, bool inApp = true) => new(module, function, module.Replace('.', '/') + ".cs", line, inApp);

    private static ErrorEvent Error(string type, string value, params ErrorFrame[] frames) =>
        new("0123456789abcdef0123456789abcdef", 0, "error", "sentry") { ExceptionType = type, ExceptionValue = value, Frames = frames };

    private static ErrorFrame[] PlaceOrder(int controllerLine, int serviceLine) =>
    [
        Frame("Microsoft.AspNetCore.Routing.EndpointMiddleware", "Invoke", 10, inApp: false),
        Frame("Shop.Orders.OrdersController", "Post", controllerLine),
        Frame("Shop.Orders.OrderService", "Place", serviceLine),
        Frame("System.Collections.Generic.Dictionary`2", "get_Item", 99, inApp: false),
    ];

    [Fact]
    public void Of_SameExceptionAndFramesOnOtherLines_SameIssue()
    {
        var first = Error("System.Collections.Generic.KeyNotFoundException", "The key 42 was not found", PlaceOrder(31, 120));
        var moved = Error("System.Collections.Generic.KeyNotFoundException", "The key 7 was not found", PlaceOrder(35, 133));

        Assert.Equal(Fingerprinter.Of(first), Fingerprinter.Of(moved));
    }

    [Fact]
    public void Of_SameExceptionFromAnotherCallSite_AnotherIssue()
    {
        // The same service method, reached from another controller action: the in-app stack differs.
        var fromPost = Error("System.Collections.Generic.KeyNotFoundException", "missing", PlaceOrder(31, 120));
        ErrorFrame[] fromImport = [Frame("Shop.Orders.ImportJob", "Run", 12), Frame("Shop.Orders.OrderService", "Place", 120)];

        Assert.NotEqual(Fingerprinter.Of(fromPost), Fingerprinter.Of(Error("System.Collections.Generic.KeyNotFoundException", "missing", fromImport)));
    }

    [Fact]
    public void Of_OtherExceptionTypeAtTheSameFrames_NeverMerges()
    {
        var notFound = Error("System.Collections.Generic.KeyNotFoundException", "x", PlaceOrder(31, 120));
        var invalid = Error("System.InvalidOperationException", "x", PlaceOrder(31, 120));

        Assert.NotEqual(Fingerprinter.Of(notFound), Fingerprinter.Of(invalid));
    }

    [Fact]
    public void Of_LibraryFramesDiffer_SameIssue()
    {
        var a = PlaceOrder(31, 120);
        var b = PlaceOrder(31, 120);
        b[0] = Frame("Microsoft.AspNetCore.Routing.OtherMiddleware", "InvokeAsync", 1, inApp: false);

        Assert.Equal(Fingerprinter.Of(Error("E", "x", a)), Fingerprinter.Of(Error("E", "x", b)));
    }

    [Fact]
    public void Of_NoInAppFrames_AllFramesCount()
    {
        var a = Error("E", "x", Frame("Lib.A", "Run", 1, inApp: false), Frame("Lib.B", "Go", 2, inApp: false));
        var b = Error("E", "x", Frame("Lib.A", "Run", 5, inApp: false), Frame("Lib.C", "Go", 2, inApp: false));

        Assert.NotEqual(Fingerprinter.Of(a), Fingerprinter.Of(b));
        Assert.Equal(["type:E", "frame:Lib.A|Run", "frame:Lib.B|Go"], Fingerprinter.Parts(a));
    }

    [Theory]
    [InlineData("Shop.Orders.OrderService+<PlaceAsync>d__5", "MoveNext", "Shop.Orders.OrderService|PlaceAsync")]
    [InlineData("Shop.Orders.OrderService", "<PlaceAsync>d__12.MoveNext", "Shop.Orders.OrderService|PlaceAsync")]
    [InlineData("Shop.Orders.OrderService+<>c__DisplayClass3_0", "<Place>b__0_1", "Shop.Orders.OrderService|Place")]
    [InlineData("Shop.Repository`1[[Shop.Order, Shop]]", "Get[T](Int32 id)", "Shop.Repository|Get")]
    [InlineData("com.shop.Orders$$Lambda$123/0x0000000800c4b040", "apply", "com.shop.Orders$$Lambda|apply")]
    [InlineData("Shop", "async Task<Order> OrderService.PlaceAsync(int id, CancellationToken token)", "Shop|OrderService.PlaceAsync")]
    [InlineData("Shop", "Task<WebApplication> Program.Start(string[] args)+(int id) => { }", "Shop|Program.Start")]
    public void FrameKey_CompilerAndBuildNoise_Removed(string module, string function, string expected)
    {
        Assert.Equal(expected, Fingerprinter.FrameKey(new ErrorFrame(module, function, null, 7, true)));
    }

    [Fact]
    public void Of_AsyncStateMachinesOfTwoBuilds_SameIssue()
    {
        var build1 = Error("E", "x", Frame("Shop.OrderService", "<PlaceAsync>d__5.MoveNext", 10));
        var build2 = Error("E", "x", Frame("Shop.OrderService", "<PlaceAsync>d__7.MoveNext", 11));

        Assert.Equal(Fingerprinter.Of(build1), Fingerprinter.Of(build2));
    }

    [Fact]
    public void Of_NoStack_MessageTemplateGroups()
    {
        static ErrorEvent Logged(string message) => new("0123456789abcdef0123456789abcdef", 0, "error", "sentry") { Message = message };

        Assert.Equal(Fingerprinter.Of(Logged("Order 42 for ann@example.com failed after 3 tries")), Fingerprinter.Of(Logged("Order 7 for bob@example.org failed after 12 tries")));
        Assert.NotEqual(Fingerprinter.Of(Logged("Order 42 failed")), Fingerprinter.Of(Logged("Payment 42 failed")));
    }

    [Fact]
    public void Of_ExceptionWithoutFrames_TypeAndMessageTemplate()
    {
        Assert.Equal(Fingerprinter.Of(Error("TimeoutException", "after 30 s")), Fingerprinter.Of(Error("TimeoutException", "after 100 s")));
        Assert.NotEqual(Fingerprinter.Of(Error("TimeoutException", "after 30 s")), Fingerprinter.Of(Error("IOException", "after 30 s")));
    }

    [Fact]
    public void Of_ExplicitFingerprint_ReplacesOrExtendsTheDefault()
    {
        var a = Error("E", "x", PlaceOrder(1, 2)) with { Fingerprint = ["payments"] };
        var b = Error("F", "y", Frame("Other", "Thing", 3)) with { Fingerprint = ["payments"] };
        var withDefault = Error("E", "x", PlaceOrder(1, 2)) with { Fingerprint = ["{{ default }}", "tenant-1"] };
        var otherTenant = Error("E", "x", PlaceOrder(1, 2)) with { Fingerprint = ["{{default}}", "tenant-2"] };

        Assert.Equal(Fingerprinter.Of(a), Fingerprinter.Of(b));
        Assert.NotEqual(Fingerprinter.Of(withDefault), Fingerprinter.Of(otherTenant));
        Assert.NotEqual(Fingerprinter.Of(Error("E", "x", PlaceOrder(1, 2))), Fingerprinter.Of(withDefault));
        Assert.Equal(["explicit", .. Fingerprinter.Parts(Error("E", "x", PlaceOrder(1, 2))), "tenant-1"], Fingerprinter.Parts(withDefault));
    }
}
