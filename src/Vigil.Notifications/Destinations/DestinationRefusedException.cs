namespace Vigil.Notifications.Destinations;

/// <summary>Thrown when a connection would reach an address the destination rule refuses.</summary>
internal sealed class DestinationRefusedException(string message) : IOException(message);
