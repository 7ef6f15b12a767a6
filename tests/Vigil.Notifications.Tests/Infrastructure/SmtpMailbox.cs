using MimeKit;

namespace Vigil.Notifications.Tests.Infrastructure;

/// <summary>
/// The real SMTP server test.sh starts (aiosmtpd with its Maildir handler): its address from
/// <c>VIGIL_TEST_SMTP</c> (host:port) and its Maildir from <c>VIGIL_TEST_SMTP_MAILBOX</c>.
/// </summary>
internal static class SmtpMailbox
{
    public static (string Host, int Port) Server
    {
        get
        {
            string? value = Environment.GetEnvironmentVariable("VIGIL_TEST_SMTP");
            Assert.True(!string.IsNullOrWhiteSpace(value),
                "VIGIL_TEST_SMTP is not set: run the tests through ./test.sh, which starts an SMTP server (aiosmtpd), or start one and set VIGIL_TEST_SMTP=127.0.0.1:<port> and VIGIL_TEST_SMTP_MAILBOX=<its Maildir>.");
            int colon = value!.LastIndexOf(':');
            return (value[..colon], int.Parse(value[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    public static string Directory
    {
        get
        {
            string? value = Environment.GetEnvironmentVariable("VIGIL_TEST_SMTP_MAILBOX");
            Assert.True(!string.IsNullOrWhiteSpace(value),
                "VIGIL_TEST_SMTP_MAILBOX is not set: run the tests through ./test.sh, or set it to the Maildir of the SMTP server named by VIGIL_TEST_SMTP.");
            return value!;
        }
    }

    /// <summary>
    /// The stored message whose <c>X-Vigil-Idempotency-Key</c> is <paramref name="key"/>. The Maildir handler
    /// writes the message before it answers 250 to DATA, so it is there once the send returned.
    /// </summary>
    public static IReadOnlyList<MimeMessage> Find(string key)
    {
        var found = new List<MimeMessage>();
        foreach (string folder in new[] { "new", "cur" })
        {
            string path = Path.Combine(Directory, folder);
            if (!System.IO.Directory.Exists(path))
            {
                continue;
            }

            foreach (string file in System.IO.Directory.EnumerateFiles(path))
            {
                var message = MimeMessage.Load(file);
                if (message.Headers["X-Vigil-Idempotency-Key"] == key)
                {
                    found.Add(message);
                }
            }
        }

        return found;
    }
}
