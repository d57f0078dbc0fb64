using Azure.Data.Tables;

namespace Scalekit.Webhooks.Storage;

/// <summary>
/// Another consumer holds a row's lease (an event's claim, a customer's billing sync, an employee's sync, an
/// onboarding or recovery run) for longer than this consumer waits: the one "busy" outcome of every lease. It is
/// thrown to the queue, which retries the message once the holder has finished or its lease has lapsed.
/// </summary>
public sealed class RowBusyException(string what, DateTimeOffset? heldUntil)
    : Exception(heldUntil is { } until
        ? $"{what} is held by another consumer (until {until:O}); this message will be retried."
        : $"{what} is held by another consumer; this message will be retried.")
{
    /// <summary>When the holder's lease runs out, when known.</summary>
    public DateTimeOffset? HeldUntil { get; } = heldUntil;
}

/// <summary>How long to wait for a held row: up to <paramref name="Attempts"/> tries, <paramref name="Interval"/> apart on <paramref name="Time"/>.</summary>
public sealed record LeaseWait(int Attempts, TimeSpan Interval, TimeProvider Time)
{
    /// <summary>One try, no wait: a held row is busy at once.</summary>
    public static LeaseWait None { get; } = new(1, TimeSpan.Zero, TimeProvider.System);
}

/// <summary>
/// The lease every store takes on a row it must change alone: a lease-until time in the row, taken and given back by
/// ETag-checked writes (the store's own), a try that returns the lease or nothing, and a bounded wait around it.
/// </summary>
public static class RowLease
{
    /// <summary>Until when <paramref name="row"/>'s lease in <paramref name="column"/> is held at <paramref name="now"/>; null when free or lapsed.</summary>
    public static DateTimeOffset? HeldUntil(TableEntity row, string column, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.GetDateTimeOffset(column) is { } until && until > now ? until : null;
    }

    /// <summary>
    /// Tries <paramref name="tryAcquire"/> until it returns a lease, as <paramref name="wait"/> allows; then throws
    /// <see cref="RowBusyException"/> naming <paramref name="what"/>.
    /// </summary>
    public static async Task<TLease> AcquireAsync<TLease>(Func<CancellationToken, Task<TLease?>> tryAcquire, LeaseWait wait, string what, CancellationToken cancellationToken = default)
        where TLease : class
    {
        ArgumentNullException.ThrowIfNull(tryAcquire);
        ArgumentNullException.ThrowIfNull(wait);
        for (var attempt = 1; ; attempt++)
        {
            if (await tryAcquire(cancellationToken).ConfigureAwait(false) is { } lease)
            {
                return lease;
            }

            if (attempt >= wait.Attempts)
            {
                throw new RowBusyException(what, null);
            }

            await Task.Delay(wait.Interval, wait.Time, cancellationToken).ConfigureAwait(false);
        }
    }
}
