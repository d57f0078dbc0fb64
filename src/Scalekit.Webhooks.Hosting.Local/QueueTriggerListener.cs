using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;

namespace Scalekit.Webhooks.Hosting.Local;

/// <summary>
/// Polls one queue with Azure Functions queue-trigger semantics: a handled message is deleted; a failed one becomes
/// visible again after <see cref="QueueTriggerOptions.VisibilityTimeout"/>; after <see cref="QueueTriggerOptions.MaxDequeueCount"/>
/// attempts its body is copied to <c>&lt;queue&gt;-poison</c> and the original deleted.
/// </summary>
public sealed partial class QueueTriggerListener(
    QueueClient queue,
    QueueClient poisonQueue,
    Func<QueueMessage, CancellationToken, Task> handler,
    QueueTriggerOptions options,
    TimeProvider time,
    ILogger logger)
{
    /// <summary>Polls until <paramref name="stoppingToken"/> is cancelled, backing off while the queue is empty or unreachable.</summary>
    public Task RunAsync(CancellationToken stoppingToken) => RunAsync(untilEmpty: false, stoppingToken);

    /// <summary>
    /// Polls until the queue holds no message at all (visible or waiting for a retry), then returns: how a consumer
    /// empties a shard queue that the current shard count no longer writes to.
    /// </summary>
    public async Task DrainAsync(CancellationToken stoppingToken)
    {
        // Usually the queue is empty already: one look, no receive.
        if (await IsEmptyAsync(stoppingToken).ConfigureAwait(false))
        {
            return;
        }

        await RunAsync(untilEmpty: true, stoppingToken).ConfigureAwait(false);
    }

    private async Task RunAsync(bool untilEmpty, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var idleDelay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            int handled;
            try
            {
                handled = await PollOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.PollFailed(logger, ex, queue.Name);
                handled = 0;
            }

            if (handled > 0)
            {
                idleDelay = TimeSpan.FromMilliseconds(100);
                continue;
            }

            try
            {
                if (untilEmpty && await IsEmptyAsync(stoppingToken).ConfigureAwait(false))
                {
                    Log.Drained(logger, queue.Name);
                    return;
                }

                await Task.Delay(idleDelay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            idleDelay = TimeSpan.FromTicks(Math.Min(idleDelay.Ticks * 2, options.MaxPollingInterval.Ticks));
        }
    }

    private async Task<bool> IsEmptyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await queue.GetPropertiesAsync(cancellationToken).ConfigureAwait(false)).Value.ApproximateMessagesCount == 0;
        }
        catch (Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Unreachable storage is not an empty queue: keep polling.
            Log.PollFailed(logger, ex, queue.Name);
            return false;
        }
    }

    /// <summary>Receives one batch and handles its messages concurrently; returns how many were received.</summary>
    public async Task<int> PollOnceAsync(CancellationToken cancellationToken = default)
    {
        QueueMessage[] messages = await queue.ReceiveMessagesAsync(options.BatchSize, options.ProcessingLease, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(messages.Select(message => HandleAsync(message, cancellationToken))).ConfigureAwait(false);
        return messages.Length;
    }

    private async Task HandleAsync(QueueMessage message, CancellationToken cancellationToken)
    {
        if (message.DequeueCount > options.MaxDequeueCount)
        {
            // A message whose earlier attempts never finished (the host died mid-handler) still gets only its share of tries.
            await MoveToPoisonAsync(message, "dequeue count exceeded before handling", cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await handler(message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: the lease expires and the message is tried again.
            return;
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(logger, ex, queue.Name, message.MessageId, message.DequeueCount, options.MaxDequeueCount);
            if (message.DequeueCount >= options.MaxDequeueCount)
            {
                await MoveToPoisonAsync(message, ex.Message, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, visibilityTimeout: options.VisibilityTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
    }

    private async Task MoveToPoisonAsync(QueueMessage message, string reason, CancellationToken cancellationToken)
    {
        // Add first, then delete: a crash in between leaves a duplicate, never a loss.
        await poisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await poisonQueue.SendMessageAsync(message.Body, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken: cancellationToken).ConfigureAwait(false);
        await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        Log.MovedToPoison(logger, queue.Name, message.MessageId, poisonQueue.Name, message.DequeueCount, reason);
    }

    private static partial class Log
    {
        [LoggerMessage(2001, LogLevel.Warning, "Handler failed for message {MessageId} on {Queue}, attempt {DequeueCount} of {MaxDequeueCount}")]
        public static partial void HandlerFailed(ILogger logger, Exception exception, string queue, string messageId, long dequeueCount, int maxDequeueCount);

        [LoggerMessage(2002, LogLevel.Error, "Moved message {MessageId} from {Queue} to {PoisonQueue} after {DequeueCount} attempts: {Reason}")]
        public static partial void MovedToPoison(ILogger logger, string queue, string messageId, string poisonQueue, long dequeueCount, string reason);

        [LoggerMessage(2003, LogLevel.Warning, "Polling {Queue} failed; retrying")]
        public static partial void PollFailed(ILogger logger, Exception exception, string queue);

        [LoggerMessage(2004, LogLevel.Information, "{Queue} is empty; it is above the shard count, so its consumer stops")]
        public static partial void Drained(ILogger logger, string queue);
    }
}
