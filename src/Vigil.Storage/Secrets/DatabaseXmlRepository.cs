using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Vigil.Storage.Secrets;

/// <summary>Keeps the Data Protection key ring in Vigil's database (see <see cref="DataProtectionKeyStore"/>).</summary>
internal sealed class DatabaseXmlRepository(DataProtectionKeyStore store, TimeProvider time) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() => [.. store.All().Select(XElement.Parse)];

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        store.Store(string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName, element.ToString(SaveOptions.DisableFormatting), time.GetUtcNow().ToUnixTimeMilliseconds());
    }
}
