using Vigil.Errors.Otlp;

namespace Vigil.Errors.Tests.Otlp;

public sealed class StackTraceTextTests
{
    [Fact]
    public void Parse_DotNet_OutermostFirstWithInApp()
    {
        const string Trace = """
            System.InvalidOperationException: Order 42 not found
               at Shop.Orders.OrderService.Place(Int32 id) in /src/Shop/Orders/OrderService.cs:line 120
               at Shop.Orders.OrdersController.Post(Order order) in /src/Shop/Orders/OrdersController.cs:line 31
               at Microsoft.AspNetCore.Routing.EndpointMiddleware.Invoke(HttpContext context)
            """;

        var frames = StackTraceText.Parse(Trace);

        Assert.Equal(3, frames.Count);
        Assert.Equal(("Microsoft.AspNetCore.Routing.EndpointMiddleware", "Invoke", false), (frames[0].Module, frames[0].Function, frames[0].InApp));
        Assert.Equal(("Shop.Orders.OrderService", "Place", "/src/Shop/Orders/OrderService.cs", 120, true),
            (frames[2].Module, frames[2].Function, frames[2].FileName, frames[2].LineNo, frames[2].InApp));
    }

    [Fact]
    public void Parse_Java_FileAndLine()
    {
        const string Trace = "java.lang.IllegalStateException: boom\n\tat com.shop.Orders.place(Orders.java:42)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)\n\tat sun.misc.Unsafe.park(Native Method)";

        var frames = StackTraceText.Parse(Trace);

        Assert.Equal(3, frames.Count);
        Assert.Equal(("com.shop.Orders", "place", "Orders.java", 42, true), (frames[2].Module, frames[2].Function, frames[2].FileName, frames[2].LineNo, frames[2].InApp));
        Assert.False(frames[0].InApp);
    }

    [Fact]
    public void Parse_Python_AlreadyOutermostFirst()
    {
        const string Trace = """
            Traceback (most recent call last):
              File "/usr/lib/python3.12/site-packages/flask/app.py", line 880, in full_dispatch_request
                rv = self.dispatch_request()
              File "/app/shop/orders.py", line 42, in place
                raise OrderError("x")
            shop.errors.OrderError: x
            """;

        var frames = StackTraceText.Parse(Trace);

        Assert.Equal(2, frames.Count);
        Assert.Equal(("orders", "place", 42, true), (frames[1].Module, frames[1].Function, frames[1].LineNo, frames[1].InApp));
        Assert.False(frames[0].InApp);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("nothing like a stack trace")]
    public void Parse_NoFrames_Empty(string? text)
    {
        Assert.Empty(StackTraceText.Parse(text));
    }
}
