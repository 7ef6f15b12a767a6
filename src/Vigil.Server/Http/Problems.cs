using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Vigil.Server.Rules;

namespace Vigil.Server.Http;

/// <summary>RFC 9457 problem responses that name the field at fault.</summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";

    /// <summary>A 400 (or other status) listing each bad field: <c>errors: {"points[3].value": ["..."]}</c>.</summary>
    public static ProblemHttpResult Validation(string detail, IDictionary<string, string[]> errors, int status = StatusCodes.Status400BadRequest, string title = "The request is invalid")
    {
        var problem = new HttpValidationProblemDetails(errors)
        {
            Status = status,
            Title = title,
            Detail = detail,
        };
        return TypedResults.Problem(problem);
    }

    /// <summary>A 400 naming a single field.</summary>
    public static ProblemHttpResult Field(string field, string message, int status = StatusCodes.Status400BadRequest) =>
        Validation(message, new Dictionary<string, string[]> { [field] = [message] }, status);

    /// <summary>A problem without field errors.</summary>
    public static ProblemHttpResult Status(int status, string title, string? detail = null) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    /// <summary>
    /// Reads a JSON body strictly (unknown fields, wrong types, bad JSON and oversized bodies are
    /// problems naming the JSON path), or returns the problem to answer with. With
    /// <paramref name="checkText"/> (all but ingest, whose validator checks its few strings on the
    /// hot path), the body is first read as a tree and refused when a string holds a lone
    /// surrogate or a NUL, or an object names a member twice.
    /// </summary>
    public static async Task<JsonBody<T>> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken, bool checkText = true)
        where T : class
    {
        if (!checkText)
        {
            return await DeserializeAsync<T>(request, options, cancellationToken).ConfigureAwait(false);
        }

        var document = await ReadJsonDocumentAsync(request, cancellationToken).ConfigureAwait(false);
        if (!document.IsValid)
        {
            return JsonBody<T>.Refused(document.Problem);
        }

        using (document.Value)
        {
            try
            {
                return document.Value.RootElement.Deserialize<T>(options) is { } value
                    ? JsonBody<T>.Read(value)
                    : JsonBody<T>.Refused(Field("$", "The body must be a JSON object, not null."));
            }
            catch (JsonException ex)
            {
                var (field, message) = Describe(ex);
                return JsonBody<T>.Refused(Field(field, message));
            }
        }
    }

    /// <summary>
    /// Reads a JSON body as a tree (the caller disposes it), refused when it is not JSON, when a
    /// string or member name holds a lone surrogate or a NUL, or an object names a member twice.
    /// </summary>
    public static async Task<JsonBody<JsonDocument>> ReadJsonDocumentAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (UnsupportedMediaType(request) is { } unsupported)
        {
            return JsonBody<JsonDocument>.Refused(unsupported);
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            var (field, message) = Describe(ex);
            return JsonBody<JsonDocument>.Refused(Field(field, message));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return JsonBody<JsonDocument>.Refused(TooLarge(ex));
        }

        if (ValidText.FindProblem(document.RootElement) is ({ } problemField, { } problemMessage))
        {
            document.Dispose();
            return JsonBody<JsonDocument>.Refused(Field(problemField, problemMessage));
        }

        return JsonBody<JsonDocument>.Read(document);
    }

    private static async Task<JsonBody<T>> DeserializeAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (UnsupportedMediaType(request) is { } unsupported)
        {
            return JsonBody<T>.Refused(unsupported);
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken).ConfigureAwait(false);
            return value is null
                ? JsonBody<T>.Refused(Field("$", "The body must be a JSON object, not null."))
                : JsonBody<T>.Read(value);
        }
        catch (JsonException ex)
        {
            var (field, message) = Describe(ex);
            return JsonBody<T>.Refused(Field(field, message));
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return JsonBody<T>.Refused(TooLarge(ex));
        }
    }

    private static ProblemHttpResult? UnsupportedMediaType(HttpRequest request) =>
        request.ContentType is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase)
            ? Status(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json.")
            : null;

    private static ProblemHttpResult TooLarge(BadHttpRequestException ex) => Status(StatusCodes.Status413PayloadTooLarge, "The body is too large", ex.Message);

    private static (string Field, string Message) Describe(JsonException ex)
    {
        var text = ex.Message;
        var field = FieldFromPath(ex.Path);
        if (text.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return (field, $"'{field}' is not a known field.");
        }

        if (text.Contains("could not be converted to", StringComparison.Ordinal))
        {
            var expected = text.Contains("Double", StringComparison.Ordinal) ? "a number"
                : text.Contains("Boolean", StringComparison.Ordinal) ? "true or false"
                : text.Contains("DateTimeOffset", StringComparison.Ordinal) ? "an ISO-8601 time such as 2026-01-31T12:00:00Z"
                : text.Contains("Dictionary", StringComparison.Ordinal) ? "an object"
                : text.Contains("List", StringComparison.Ordinal) ? "an array"
                : text.Contains("String", StringComparison.Ordinal) ? "a string"
                : "an object";
            return (field, $"'{field}' must be {expected}.");
        }

        return ("$", $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
    }

    /// <summary>Turns a JSON path <c>$.points[3].value</c> into a field name <c>points[3].value</c>.</summary>
    internal static string FieldFromPath(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
