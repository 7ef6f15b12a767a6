using Vigil.Core.Alerts;
using Vigil.Core.Metrics;

namespace Vigil.Storage.Alerts;

/// <summary>A stored notification intent (the in-app feed reads these).</summary>
/// <param name="Id">Identifier.</param>
/// <param name="Intent">The intent.</param>
/// <param name="ReadAtMs">When it was marked read, Unix ms, or null.</param>
public sealed record StoredIntent(long Id, NotificationIntent Intent, long? ReadAtMs);
