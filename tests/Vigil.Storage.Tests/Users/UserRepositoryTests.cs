using System.Diagnostics;
using Dapper;
using Vigil.Storage.Users;
using Vigil.Testing;

namespace Vigil.Storage.Tests.Users;

/// <summary>
/// The dashboard users' storage, once per provider: accounts kept as written, names unique
/// without regard to case, one first admin however many visitors race for it, lock-out after
/// repeated failures, and never a dashboard without an admin, even when two changes race.
/// </summary>
public abstract class UserRepositoryTests(StorageProvider provider) : IAsyncLifetime
{
    private const long T0 = 1_790_000_000_000;
    private const long LockoutMs = 15 * 60_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private TestDatabase _testDatabase = null!;

    private Database Database { get; set; } = null!;

    private UserRepository Users => new(Database);

    public async Task InitializeAsync()
    {
        _testDatabase = await TestDatabase.CreateAsync(provider);
        Database = new Database(_testDatabase.Options);
        await new Migrator(Database).MigrateAsync(T0);
    }

    public async Task DisposeAsync()
    {
        await Database.DisposeAsync();
        await _testDatabase.DisposeAsync();
    }

    [Fact]
    public async Task CreateAsync_ThenFindByIdAsync_EveryFieldKeptAsWritten()
    {
        var written = new UserRecord("u1", "Ops Émile", "AQAAAAIAAYagAAAAE+hash/==", UserRoles.Admin, "stamp-1", 2, T0 + 60_000, T0, T0 - 5);

        Assert.True(await Users.CreateAsync(written));

        Assert.Equal(written, await Users.FindByIdAsync("u1"));
    }

    [Fact]
    public async Task CountAsync_EmptyThenTwoUsers_CountsThem()
    {
        Assert.Equal(0, await Users.CountAsync());

        await Users.CreateAsync(User("u1", "alice"));
        await Users.CreateAsync(User("u2", "bob"));

        Assert.Equal(2, await Users.CountAsync());
    }

    [Theory]
    [InlineData("ALICE")]
    [InlineData("alice")]
    [InlineData("aLiCe")]
    public async Task CreateAsync_NameTakenInAnyCase_ReturnsFalseAndKeepsTheFirst(string second)
    {
        Assert.True(await Users.CreateAsync(User("u1", "Alice")));

        Assert.False(await Users.CreateAsync(User("u2", second)));

        var only = Assert.Single(await Users.ListAsync());
        Assert.Equal(("u1", "Alice"), (only.Id, only.UserName));
    }

    [Fact]
    public async Task CreateAsync_NonAsciiNameInAnotherCase_ReturnsFalse()
    {
        Assert.True(await Users.CreateAsync(User("u1", "Émile")));

        Assert.False(await Users.CreateAsync(User("u2", "éMILE")));
        Assert.Equal(1, await Users.CountAsync());
    }

    [Fact]
    public async Task CreateAsync_UnknownRole_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Users.CreateAsync(User("u1", "alice", "root")));

        Assert.Equal(0, await Users.CountAsync());
    }

    [Fact]
    public async Task FindByNameAsync_AnyCase_FindsTheUserWithItsNameAsWritten()
    {
        await Users.CreateAsync(User("u1", "Alice"));
        await Users.CreateAsync(User("u2", "Émile"));

        Assert.Equal("u1", (await Users.FindByNameAsync("aLICE"))?.Id);
        Assert.Equal("Alice", (await Users.FindByNameAsync("alice"))?.UserName);
        Assert.Equal("u2", (await Users.FindByNameAsync("ÉMILE"))?.Id);
        Assert.Null(await Users.FindByNameAsync("alic"));
    }

    [Fact]
    public async Task FindByIdAsync_UnknownId_ReturnsNull()
    {
        await Users.CreateAsync(User("u1", "alice"));

        Assert.Null(await Users.FindByIdAsync("u2"));
    }

    [Fact]
    public async Task ListAsync_SeveralUsers_OrderedByNameWithoutRegardToCase()
    {
        foreach (var (id, name) in new[] { ("u1", "carol"), ("u2", "Zed"), ("u3", "alice"), ("u4", "Bob") })
        {
            await Users.CreateAsync(User(id, name));
        }

        var names = (await Users.ListAsync()).Select(u => u.UserName);

        Assert.Equal(["alice", "Bob", "carol", "Zed"], names);
    }

    [Fact]
    public async Task TryCreateFirstAdminAsync_NoUsers_StoresTheAdminOnce()
    {
        var first = User("u1", "root", UserRoles.Admin);

        Assert.True(await Users.TryCreateFirstAdminAsync(first));
        Assert.False(await Users.TryCreateFirstAdminAsync(User("u2", "intruder", UserRoles.Admin)));

        Assert.Equal(first, Assert.Single(await Users.ListAsync()));
    }

    [Fact]
    public async Task TryCreateFirstAdminAsync_AViewerExists_ReturnsFalse()
    {
        await Users.CreateAsync(User("u1", "alice"));

        Assert.False(await Users.TryCreateFirstAdminAsync(User("u2", "root", UserRoles.Admin)));

        Assert.Null(await Users.FindByIdAsync("u2"));
    }

    [Fact]
    public async Task TryCreateFirstAdminAsync_NotAnAdmin_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Users.TryCreateFirstAdminAsync(User("u1", "root", UserRoles.Viewer)));

        Assert.Equal(0, await Users.CountAsync());
    }

    [Fact]
    public async Task TryCreateFirstAdminAsync_EightVisitorsAtOnce_ExactlyOneWins()
    {
        var visitors = Enumerable.Range(0, 8)
            .Select(i => Task.Run(() => Users.TryCreateFirstAdminAsync(User($"u{i}", $"visitor-{i}", UserRoles.Admin))))
            .ToList();

        var won = await Task.WhenAll(visitors).WaitAsync(Patience);

        Assert.Equal(1, won.Count(w => w));
        var admin = Assert.Single(await Users.ListAsync());
        Assert.Equal($"u{Array.IndexOf(won, true)}", admin.Id);
    }

    [Fact]
    public async Task TryCreateFirstAdminAsync_WhileAnotherFirstUserIsUncommitted_WaitsForItThenRefuses()
    {
        await using var other = await Database.BeginAsync();
        await other.Connection.ExecuteAsync(
            """
            INSERT INTO users (id, user_name, user_name_key, password_hash, role, stamp, created_at)
            VALUES ('other', 'other', 'other', 'hash', 'admin', 'stamp', 0)
            """, transaction: other.Transaction);

        var racing = Task.Run(() => Users.TryCreateFirstAdminAsync(User("u1", "root", UserRoles.Admin)));
        await WaitUntilBlockedAsync(racing);
        await other.CommitAsync();
        await other.DisposeAsync();

        Assert.False(await racing.WaitAsync(Patience));
        Assert.Equal("other", Assert.Single(await Users.ListAsync()).Id);
    }

    [Fact]
    public async Task RecordFailureAsync_MaxAttemptsInARow_LocksTheAccountAndStartsCountingAgain()
    {
        await Users.CreateAsync(User("u1", "alice"));

        Assert.False(await Users.RecordFailureAsync("u1", 3, LockoutMs, T0));
        Assert.False(await Users.RecordFailureAsync("u1", 3, LockoutMs, T0 + 1));
        var beforeLock = await Users.FindByIdAsync("u1");
        Assert.True(await Users.RecordFailureAsync("u1", 3, LockoutMs, T0 + 2));

        Assert.Equal((2, (long?)null), (beforeLock!.FailedAttempts, beforeLock.LockedUntilMs));
        var locked = await Users.FindByIdAsync("u1");
        Assert.Equal((0, (long?)(T0 + 2 + LockoutMs)), (locked!.FailedAttempts, locked.LockedUntilMs));
    }

    [Fact]
    public async Task RecordFailureAsync_AfterTheLockOutEnded_CountsWithoutLockingUntilMaxAttempts()
    {
        await Users.CreateAsync(User("u1", "alice"));
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);
        var later = T0 + LockoutMs + 1;

        Assert.False(await Users.RecordFailureAsync("u1", 2, LockoutMs, later));
        Assert.True(await Users.RecordFailureAsync("u1", 2, LockoutMs, later));

        Assert.Equal(later + LockoutMs, (await Users.FindByIdAsync("u1"))!.LockedUntilMs);
    }

    [Fact]
    public async Task RecordFailureAsync_UnknownId_ReturnsFalse()
    {
        Assert.False(await Users.RecordFailureAsync("nobody", 1, LockoutMs, T0));
    }

    [Fact]
    public async Task RecordSignInAsync_AfterFailuresAndALockOut_ForgetsThemAndRecordsTheTime()
    {
        await Users.CreateAsync(User("u1", "alice"));
        await Users.CreateAsync(User("u2", "bob"));
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);
        await Users.RecordFailureAsync("u2", 5, LockoutMs, T0);

        await Users.RecordSignInAsync("u1", T0 + 10);
        await Users.RecordSignInAsync("u2", T0 + 20);

        var alice = await Users.FindByIdAsync("u1");
        var bob = await Users.FindByIdAsync("u2");
        Assert.Equal((0, (long?)null, (long?)(T0 + 10)), (alice!.FailedAttempts, alice.LockedUntilMs, alice.LastSignInAtMs));
        Assert.Equal((0, (long?)null, (long?)(T0 + 20)), (bob!.FailedAttempts, bob.LockedUntilMs, bob.LastSignInAtMs));
        Assert.False(await Users.RecordFailureAsync("u1", 2, LockoutMs, T0 + 30));
    }

    [Fact]
    public async Task SetPasswordAsync_LockedUser_ReplacesHashAndStampAndLiftsTheLockOut()
    {
        await Users.CreateAsync(User("u1", "alice"));
        await Users.CreateAsync(User("u2", "bob"));
        await Users.RecordFailureAsync("u1", 1, LockoutMs, T0);

        Assert.True(await Users.SetPasswordAsync("u1", "new-hash", "new-stamp"));

        Assert.Equal(User("u1", "alice") with { PasswordHash = "new-hash", Stamp = "new-stamp" }, await Users.FindByIdAsync("u1"));
        Assert.Equal(User("u2", "bob"), await Users.FindByIdAsync("u2"));
    }

    [Fact]
    public async Task SetPasswordAsync_UnknownId_ReturnsFalse()
    {
        Assert.False(await Users.SetPasswordAsync("nobody", "hash", "stamp"));
        Assert.Equal(0, await Users.CountAsync());
    }

    [Fact]
    public async Task SetRoleAsync_PromoteViewer_ChangesRoleAndStamp()
    {
        await Users.CreateAsync(User("u1", "alice"));

        Assert.Equal(UserChange.Done, await Users.SetRoleAsync("u1", UserRoles.Admin, "new-stamp"));

        Assert.Equal(User("u1", "alice") with { Role = UserRoles.Admin, Stamp = "new-stamp" }, await Users.FindByIdAsync("u1"));
    }

    [Fact]
    public async Task SetRoleAsync_SameRole_KeepsTheStamp()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));

        Assert.Equal(UserChange.Done, await Users.SetRoleAsync("u1", UserRoles.Admin, "new-stamp"));

        Assert.Equal("stamp-u1", (await Users.FindByIdAsync("u1"))!.Stamp);
    }

    [Fact]
    public async Task SetRoleAsync_DemoteOneOfTwoAdmins_Done()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "ops", UserRoles.Admin));

        Assert.Equal(UserChange.Done, await Users.SetRoleAsync("u1", UserRoles.Viewer, "new-stamp"));

        Assert.Equal((UserRoles.Viewer, "new-stamp"), await RoleAndStampAsync("u1"));
    }

    [Fact]
    public async Task SetRoleAsync_DemoteTheLastAdmin_RefusedAndUnchanged()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "alice"));

        Assert.Equal(UserChange.LastAdmin, await Users.SetRoleAsync("u1", UserRoles.Viewer, "new-stamp"));

        Assert.Equal((UserRoles.Admin, "stamp-u1"), await RoleAndStampAsync("u1"));
    }

    [Fact]
    public async Task SetRoleAsync_UnknownId_NotFound()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));

        Assert.Equal(UserChange.NotFound, await Users.SetRoleAsync("nobody", UserRoles.Viewer, "stamp"));
        Assert.Equal(UserChange.NotFound, await Users.SetRoleAsync("nobody", UserRoles.Admin, "stamp"));
    }

    [Fact]
    public async Task SetRoleAsync_UnknownRole_Throws()
    {
        await Users.CreateAsync(User("u1", "alice"));

        await Assert.ThrowsAsync<ArgumentException>(() => Users.SetRoleAsync("u1", "root", "stamp"));

        Assert.Equal((UserRoles.Viewer, "stamp-u1"), await RoleAndStampAsync("u1"));
    }

    [Fact]
    public async Task SetRoleAsync_TwoAdminsDemotedAtOnce_OneStaysAdmin()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "ops", UserRoles.Admin));

        var outcomes = await Task.WhenAll(
            Task.Run(() => Users.SetRoleAsync("u1", UserRoles.Viewer, "s1")),
            Task.Run(() => Users.SetRoleAsync("u2", UserRoles.Viewer, "s2"))).WaitAsync(Patience);

        Assert.Equal([UserChange.Done, UserChange.LastAdmin], outcomes.Order());
        Assert.Single(await Users.ListAsync(), u => u.Role == UserRoles.Admin);
    }

    [Fact]
    public async Task SetRoleAsync_WhileTheOtherAdminsDemotionIsUncommitted_WaitsForItThenRefuses()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "ops", UserRoles.Admin));
        await using var other = await Database.BeginAsync();
        await other.Connection.ExecuteAsync("UPDATE users SET role = 'viewer' WHERE id = 'u1'", transaction: other.Transaction);

        var racing = Task.Run(() => Users.SetRoleAsync("u2", UserRoles.Viewer, "s2"));
        await WaitUntilBlockedAsync(racing);
        await other.CommitAsync();
        await other.DisposeAsync();

        Assert.Equal(UserChange.LastAdmin, await racing.WaitAsync(Patience));
        Assert.Equal((UserRoles.Admin, "stamp-u2"), await RoleAndStampAsync("u2"));
    }

    [Fact]
    public async Task DeleteAsync_Viewer_Done()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "alice"));

        Assert.Equal(UserChange.Done, await Users.DeleteAsync("u2"));

        Assert.Null(await Users.FindByIdAsync("u2"));
        Assert.Equal(UserChange.NotFound, await Users.DeleteAsync("u2"));
    }

    [Fact]
    public async Task DeleteAsync_OneOfTwoAdmins_Done()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "ops", UserRoles.Admin));

        Assert.Equal(UserChange.Done, await Users.DeleteAsync("u1"));

        Assert.Equal("u2", Assert.Single(await Users.ListAsync()).Id);
    }

    [Fact]
    public async Task DeleteAsync_TheLastAdmin_RefusedAndKept()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "alice"));

        Assert.Equal(UserChange.LastAdmin, await Users.DeleteAsync("u1"));

        Assert.Equal(User("u1", "root", UserRoles.Admin), await Users.FindByIdAsync("u1"));
    }

    [Fact]
    public async Task DeleteAsync_UnknownId_NotFound()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));

        Assert.Equal(UserChange.NotFound, await Users.DeleteAsync("nobody"));
        Assert.Equal(1, await Users.CountAsync());
    }

    [Fact]
    public async Task DeleteAsync_TwoAdminsDeletedAtOnce_OneRemains()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "ops", UserRoles.Admin));

        var outcomes = await Task.WhenAll(
            Task.Run(() => Users.DeleteAsync("u1")),
            Task.Run(() => Users.DeleteAsync("u2"))).WaitAsync(Patience);

        Assert.Equal([UserChange.Done, UserChange.LastAdmin], outcomes.Order());
        Assert.Equal(UserRoles.Admin, Assert.Single(await Users.ListAsync()).Role);
    }

    [Fact]
    public async Task DeleteAsync_WhileTheOtherAdminsDeletionIsUncommitted_WaitsForItThenRefuses()
    {
        await Users.CreateAsync(User("u1", "root", UserRoles.Admin));
        await Users.CreateAsync(User("u2", "ops", UserRoles.Admin));
        await using var other = await Database.BeginAsync();
        await other.Connection.ExecuteAsync("DELETE FROM users WHERE id = 'u1'", transaction: other.Transaction);

        var racing = Task.Run(() => Users.DeleteAsync("u2"));
        await WaitUntilBlockedAsync(racing);
        await other.CommitAsync();
        await other.DisposeAsync();

        Assert.Equal(UserChange.LastAdmin, await racing.WaitAsync(Patience));
        Assert.Equal("u2", Assert.Single(await Users.ListAsync()).Id);
    }

    [Fact]
    public async Task UnlockAsync_LockedUser_LiftsTheLockOutAndForgetsTheFailures()
    {
        await Users.CreateAsync(User("u1", "alice"));
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);
        await Users.RecordFailureAsync("u1", 2, LockoutMs, T0);

        Assert.True(await Users.UnlockAsync("u1"));

        Assert.Equal(User("u1", "alice"), await Users.FindByIdAsync("u1"));
    }

    [Fact]
    public async Task UnlockAsync_UnknownId_ReturnsFalse()
    {
        Assert.False(await Users.UnlockAsync("nobody"));
    }

    private static UserRecord User(string id, string name, string role = UserRoles.Viewer) =>
        new(id, name, "hash-" + id, role, "stamp-" + id, 0, null, T0, null);

    private async Task<(string Role, string Stamp)> RoleAndStampAsync(string id)
    {
        var user = await Users.FindByIdAsync(id);
        Assert.NotNull(user);
        return (user.Role, user.Stamp);
    }

    /// <summary>
    /// Waits until <paramref name="racing"/> waits for the other transaction: for this process's
    /// writer turn on SQLite, for the table lock on PostgreSQL.
    /// </summary>
    private async Task WaitUntilBlockedAsync(Task racing)
    {
        var started = Stopwatch.GetTimestamp();
        while (!await IsBlockedAsync())
        {
            Assert.False(racing.IsCompleted, "The change did not wait for the other transaction.");
            Assert.True(Stopwatch.GetElapsedTime(started) < Patience, "The change never waited for the other transaction.");
            await Task.Yield();
        }

        Assert.False(racing.IsCompleted);

        async Task<bool> IsBlockedAsync()
        {
            if (provider == StorageProvider.Sqlite)
            {
                return Database.QueuedWriters > 0;
            }

            await using var connection = await Database.OpenAsync();
            return await connection.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") > 0;
        }
    }
}

public sealed class SqliteUserRepositoryTests() : UserRepositoryTests(StorageProvider.Sqlite);

public sealed class PostgresUserRepositoryTests() : UserRepositoryTests(StorageProvider.Postgres);
