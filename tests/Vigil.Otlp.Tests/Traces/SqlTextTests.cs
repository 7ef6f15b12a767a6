using Vigil.Otlp.Traces;

namespace Vigil.Otlp.Tests.Traces;

public class SqlTextTests
{
    [Theory]
    [InlineData("SELECT * FROM users WHERE email = 'ann@example.com' AND age > 42", "SELECT * FROM users WHERE email = ? AND age > ?")]
    [InlineData("select id from orders where id in (1, 2, 3,4)", "select id from orders where id IN (?)")]
    [InlineData("SELECT name FROM t WHERE note = 'it''s' -- secret 123\n AND x = 1.5e3", "SELECT name FROM t WHERE note = ? AND x = ?")]
    [InlineData("UPDATE accounts /* card 4111111111111111 */ SET balance = -20.5 WHERE id = 0x1F", "UPDATE accounts SET balance = ? WHERE id = ?")]
    [InlineData("SELECT * FROM t2 WHERE a = $1 AND b = @p0 AND c = :name", "SELECT * FROM t2 WHERE a = $1 AND b = @p0 AND c = :name")]
    [InlineData("INSERT INTO log (msg) VALUES (E'line\\n'), (N'unicode')", "INSERT INTO log (msg) VALUES (?), (?)")]
    [InlineData("SELECT 'unterminated", "SELECT ?")]
    public void Normalise_Values_Replaced(string statement, string expected) => Assert.Equal(expected, SqlText.Normalise(statement));

    [Theory]
    [InlineData("SELECT id, total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = 7", "SELECT orders")]
    [InlineData("insert into public.\"Orders\" (id) values (1)", "INSERT public.Orders")]
    [InlineData("UPDATE stock SET count = count - 1 WHERE sku = 'A-1'", "UPDATE stock")]
    [InlineData("DELETE FROM sessions WHERE expires < now()", "DELETE sessions")]
    [InlineData("BEGIN", "BEGIN")]
    [InlineData("orders_db", null)]
    public void Summary_OperationAndFirstTable(string statement, string? expected) => Assert.Equal(expected, SqlText.Summary(statement));

    [Fact]
    public void Normalise_LongStatement_Clipped()
    {
        var statement = "SELECT " + string.Join(", ", Enumerable.Range(0, 1_000).Select(i => $"column_{i}")) + " FROM wide";

        Assert.Equal(SqlText.MaxLength, SqlText.Normalise(statement).Length);
    }
}
