namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>
/// The one access token shared by every Scalekit client in the process. The token and the time to renew it are one
/// immutable object, replaced whole, so a reader never pairs one token with another's renewal time.
/// </summary>
public sealed class ScalekitTokenCache(TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile CachedToken? _current;
    private int _tokensIssued;

    /// <summary>How many tokens were fetched; lets operators and tests see refreshes.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    public async Task<string> GetAsync(Func<CancellationToken, Task<(string Token, TimeSpan Lifetime)>> fetch, TimeSpan refreshMargin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        if (_current is { } cached && time.GetUtcNow() < cached.RenewAt)
        {
            return cached.Token;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh && time.GetUtcNow() < fresh.RenewAt)
            {
                return fresh.Token;
            }

            var (token, lifetime) = await fetch(cancellationToken).ConfigureAwait(false);
            _current = new CachedToken(token, time.GetUtcNow() + (lifetime > refreshMargin ? lifetime - refreshMargin : lifetime / 2));
            Interlocked.Increment(ref _tokensIssued);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>Forgets <paramref name="rejected"/> after a 401, unless another caller already replaced it.</summary>
    public void Invalidate(string rejected)
    {
        if (_current is { } seen && seen.Token == rejected)
        {
            Interlocked.CompareExchange(ref _current, null, seen);
        }
    }

    private sealed record CachedToken(string Token, DateTimeOffset RenewAt);
}
