using Vigil.Client;

var builder = WebApplication.CreateBuilder(args);

// Reads Vigil:Endpoint, Vigil:ApiKey... from appsettings.json, environment variables (Vigil__ApiKey) or user secrets.
builder.Services.AddVigilClient(builder.Configuration.GetSection(VigilClientOptions.SectionName));

var app = builder.Build();

// Every request below is timed as http_request_duration_ms with the labels
// route (the template, "/orders/{id}", never "/orders/42"), method and status.
app.UseVigilRequestTracking();

var webChannel = new Dictionary<string, string> { ["channel"] = "web" };

app.MapGet("/orders/{id}", (int id, IVigilClient vigil) =>
{
    // A custom counter: how often orders are looked at.
    vigil.Increment("orders_viewed_total", webChannel);
    return id > 1000
        ? Results.NotFound()
        : Results.Ok(new { id, status = "shipped" });
});

app.MapPost("/work", async (bool? fail, IVigilClient vigil, TimeProvider time, CancellationToken cancellationToken) =>
{
    try
    {
        // Recorded as one execution of the job "content-generation": success or failure, and how long it took.
        int words = await vigil.TrackJobAsync(
            "content-generation",
            async ct =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 300)), time, ct);
                if (fail == true)
                {
                    throw new InvalidOperationException("The generator is unavailable.");
                }

                return Random.Shared.Next(100, 1000);
            },
            cancellationToken);

        vigil.Gauge("generated_words", words);
        return Results.Ok(new { words });
    }
    catch (InvalidOperationException ex)
    {
        // TrackJobAsync recorded the failure and rethrew the exception unchanged.
        return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
});

// What the client has sent, dropped and still holds: handy while trying the sample.
app.MapGet("/vigil-stats", (IVigilClient vigil) => vigil.Stats);

app.Run();
