using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Vigil.Server.Http;

/// <summary>A request body read as JSON: the value, or the problem to answer with.</summary>
/// <typeparam name="T">The body's type.</typeparam>
internal sealed class JsonBody<T>
    where T : class
{
    private JsonBody(T? value, ProblemHttpResult? problem)
    {
        Value = value;
        Problem = problem;
    }

    /// <summary>The body; null when it could not be read.</summary>
    public T? Value { get; }

    /// <summary>Why the body could not be read; null when it was.</summary>
    public ProblemHttpResult? Problem { get; }

    /// <summary>Whether the body was read.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Problem))]
    public bool IsValid => Value is not null;

    /// <summary>A body that was read.</summary>
    public static JsonBody<T> Read(T value) => new(value, null);

    /// <summary>A body that could not be read, and the problem to answer with.</summary>
    public static JsonBody<T> Refused(ProblemHttpResult problem) => new(null, problem);
}
