using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Vigil.Server.Http;

namespace Vigil.Server.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> or <c>X-Api-Key: &lt;key&gt;</c>. A client
/// address with too many failed attempts gets 429 with <c>Retry-After</c> before its key is
/// looked up (<see cref="AuthFailureLimiter"/>).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "ApiKey";
    private readonly ApiKeyService _keys;
    private readonly AuthFailureLimiter _failures;
    private int? _retryAfterSeconds;

    // The base class logs every failure and challenge (two entries per wrong key, without the
    // client address): failures are logged sampled, with the address, by AuthFailureLimiter.
    public ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, UrlEncoder encoder, ApiKeyService keys, AuthFailureLimiter failures)
        : base(options, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, encoder)
    {
        _keys = keys;
        _failures = failures;
    }

    /// <summary>The key a request presents (<c>Authorization: Bearer</c> or <c>X-Api-Key</c>), or null.</summary>
    public static string? Presented(HttpRequest request)
    {
        if (request.Headers.Authorization.ToString() is { Length: > 7 } authorization
            && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim();
        }

        return request.Headers.TryGetValue("X-Api-Key", out var header) ? header.ToString().Trim() : null;
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = Presented(Request);

        // An endpoint open to all (the webhook relay takes its own secret as a bearer token)
        // authenticates no API key: its secrets are not wrong keys.
        if (string.IsNullOrEmpty(presented) || Context.GetEndpoint()?.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
        {
            return AuthenticateResult.NoResult();
        }

        var address = ClientAddress.Of(Context);
        if (!_failures.MayTry(address, out var retryAfter))
        {
            _retryAfterSeconds = retryAfter;
            return AuthenticateResult.Fail("Too many failed authentications from this address.");
        }

        var key = await _keys.VerifyAsync(presented, Context.RequestAborted).ConfigureAwait(false);
        if (key is null)
        {
            _failures.Failed(address);
            return AuthenticateResult.Fail("The API key is unknown or revoked.");
        }

        // The key's quotas are read from here by ingestion.
        Context.Features.Set(key);
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, key.Id), new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_retryAfterSeconds is { } seconds)
        {
            return RetryAfter.TooManyRequests(Response, seconds, "Too many failed authentications",
                $"This address sent too many unknown or revoked API keys (Vigil:Auth:FailuresPerAddress per Vigil:Auth:FailureWindow); try again in {seconds} s.").ExecuteAsync(Context);
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required",
            "Send an API key as 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This API key's role does not allow this request.");

    private Task WriteProblemAsync(int status, string title, string detail) =>
        Problems.Status(status, title, detail).ExecuteAsync(Context);
}
