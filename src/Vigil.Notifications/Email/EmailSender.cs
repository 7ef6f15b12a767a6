using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Vigil.Notifications.Channels;
using Vigil.Notifications.Delivery;
using Vigil.Notifications.Destinations;

namespace Vigil.Notifications.Email;

/// <summary>
/// Sends one message over SMTP with MailKit, one session per message, connecting through
/// <see cref="DestinationGuard"/> so the SMTP host obeys the same private-network rule as webhooks.
/// </summary>
internal sealed class EmailSender(DestinationGuard guard, TimeProvider time)
{
    public static MimeMessage Build(EmailChannelConfig config, string idempotencyKey, string subject, MimeEntity body, DateTimeOffset now)
    {
        var message = new MimeMessage
        {
            Subject = subject,
            Body = body,
            Date = now,
            // The same on every attempt, so a mail system that already has it can drop the duplicate.
            MessageId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)).AsSpan(0, 16)) + "@vigil",
        };
        message.From.Add(MailboxAddress.Parse(config.From));
        foreach (string to in config.To)
        {
            message.To.Add(MailboxAddress.Parse(to));
        }

        message.Headers.Add("X-Vigil-Idempotency-Key", idempotencyKey);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }

    public async ValueTask<DeliveryResult> SendAsync(EmailChannelConfig config, MimeMessage message, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = time.GetTimestamp();
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, timeout.TotalMilliseconds) };
        try
        {
            var socket = await guard.ConnectAsync(config.Host, config.Port, linked.Token).ConfigureAwait(false);
            var secure = config.Tls switch
            {
                SmtpTls.None => SecureSocketOptions.None,
                SmtpTls.StartTls => SecureSocketOptions.StartTls,
                _ => SecureSocketOptions.SslOnConnect,
            };
            await client.ConnectAsync(socket, config.Host, config.Port, secure, linked.Token).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(config.Username))
            {
                await client.AuthenticateAsync(config.Username, config.Password ?? "", linked.Token).ConfigureAwait(false);
            }

            await client.SendAsync(message, linked.Token).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, linked.Token).ConfigureAwait(false);
            return DeliveryResult.Delivered(time.GetElapsedTime(started));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return DeliveryResult.Retryable(string.Create(CultureInfo.InvariantCulture, $"The SMTP server did not answer within {timeout.TotalSeconds:0.#} s."), time.GetElapsedTime(started));
        }
        catch (DestinationRefusedException ex)
        {
            return DeliveryResult.Permanent(ex.Message, time.GetElapsedTime(started));
        }
        catch (SmtpCommandException ex)
        {
            // 5yz replies are permanent (unknown mailbox, relay denied, message refused); 4yz are transient.
            string error = string.Create(CultureInfo.InvariantCulture, $"SMTP {(int)ex.StatusCode}: {ex.Message}");
            return (int)ex.StatusCode >= 500
                ? DeliveryResult.Permanent(error, time.GetElapsedTime(started))
                : DeliveryResult.Retryable(error, time.GetElapsedTime(started));
        }
        catch (AuthenticationException ex)
        {
            return DeliveryResult.Permanent($"SMTP authentication failed: {ex.Message}", time.GetElapsedTime(started));
        }
        catch (SslHandshakeException ex)
        {
            return DeliveryResult.Permanent($"The TLS handshake with the SMTP server failed: {ex.Message}", time.GetElapsedTime(started));
        }
        catch (NotSupportedException ex)
        {
            return DeliveryResult.Permanent($"The SMTP server cannot do what the channel asks: {ex.Message}", time.GetElapsedTime(started));
        }
        catch (Exception ex) when (ex is SocketException or IOException or SmtpProtocolException or ServiceNotConnectedException or TimeoutException)
        {
            return DeliveryResult.Retryable($"The SMTP session failed: {ex.Message}", time.GetElapsedTime(started));
        }
    }
}
