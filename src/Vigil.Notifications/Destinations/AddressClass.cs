namespace Vigil.Notifications.Destinations;

/// <summary>What kind of network an address belongs to; only <see cref="Public"/> is reachable by default.</summary>
internal enum AddressClass
{
    Public,
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    Cgnat,
    Multicast,
    Reserved,
    Documentation,
}
