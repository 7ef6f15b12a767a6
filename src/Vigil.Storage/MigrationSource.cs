using System.Reflection;

namespace Vigil.Storage;

/// <summary>
/// An assembly whose embedded <c>Migrations/{sqlite|postgres}/NNNN_name.sql</c> the
/// <see cref="Migrator"/> applies besides Storage's own: a component that owns tables keeps
/// their schema next to its SQL. Register one per component (<c>services.AddSingleton(source)</c>).
/// </summary>
/// <param name="Assembly">The assembly holding the migrations.</param>
public sealed record MigrationSource(Assembly Assembly);
