namespace Vigil.Server.Delivery.Relay;

/// <summary>Why <c>POST /api/webhook/{slug}</c> refused a call.</summary>
internal enum RelayRefusal
{
    /// <summary>The address made too many failed calls and is turned away for a while (429).</summary>
    LockedOut,

    /// <summary>No endpoint has the slug (404).</summary>
    UnknownSlug,

    /// <summary>The secret was missing or wrong (401).</summary>
    WrongSecret,

    /// <summary>Over the endpoint's or the address's call limit (429).</summary>
    RateLimited,

    /// <summary>The body was over the size limit (413).</summary>
    TooLarge,

    /// <summary>The body was not JSON (415 or 400).</summary>
    NotJson,

    /// <summary>The stored-body budget was full (503).</summary>
    StorageFull,
}
