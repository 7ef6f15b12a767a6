namespace Vigil.Server.Secrets;

/// <summary>Why Vigil cannot open its secrets: one line for the operator, naming the setting or file.</summary>
internal sealed class SecretsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
