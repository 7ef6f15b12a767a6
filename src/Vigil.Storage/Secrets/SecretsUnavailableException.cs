namespace Vigil.Storage.Secrets;

/// <summary>Why Vigil cannot open its secrets: one line for the operator, naming the setting or file.</summary>
public sealed class SecretsUnavailableException : Exception
{
    /// <summary>Creates the exception with the line to show.</summary>
    public SecretsUnavailableException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
