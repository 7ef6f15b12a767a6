using Microsoft.Extensions.Options;

namespace Vigil.Notifications.Delivery;

/// <summary>Validates what attributes cannot: the allowed hosts are host names.</summary>
internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        for (int i = 0; i < options.AllowedHosts.Count; i++)
        {
            string host = options.AllowedHosts[i];
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim('[', ']')) == UriHostNameType.Unknown)
            {
                builder.AddError($"Vigil:Delivery:AllowedHosts:{i} must be a host name or an address, without scheme, port or path; it was '{host}'.");
            }
        }

        foreach (var (type, limit) in (options.RateLimits ?? new()).All())
        {
            if (limit is null)
            {
                builder.AddError($"Vigil:Delivery:RateLimits:{type} must not be empty.");
                continue;
            }

            if (limit.Permits is < 1 or > DestinationRateLimit.MaxPermits)
            {
                builder.AddError($"Vigil:Delivery:RateLimits:{type}:Permits must be between 1 and {DestinationRateLimit.MaxPermits}; it was {limit.Permits}.");
            }

            if (limit.Period < TimeSpan.FromMilliseconds(1) || limit.Period > TimeSpan.FromDays(1))
            {
                builder.AddError($"Vigil:Delivery:RateLimits:{type}:Period must be between 00:00:00.001 and 1.00:00:00; it was {limit.Period}.");
            }
        }

        return builder.Build();
    }
}
