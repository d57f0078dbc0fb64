namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>The one access token shared by every Scalekit client in the process.</summary>
public sealed class ScalekitTokenCache(TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _renewAt;

    /// <summary>How many tokens were fetched; lets operators and tests see refreshes.</summary>
    public int TokensIssued { get; private set; }

    public async Task<string> GetAsync(Func<CancellationToken, Task<(string Token, TimeSpan Lifetime)>> fetch, TimeSpan refreshMargin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        if (_token is { } cached && time.GetUtcNow() < _renewAt)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } fresh && time.GetUtcNow() < _renewAt)
            {
                return fresh;
            }

            var (token, lifetime) = await fetch(cancellationToken).ConfigureAwait(false);
            _token = token;
            _renewAt = time.GetUtcNow() + (lifetime > refreshMargin ? lifetime - refreshMargin : lifetime / 2);
            TokensIssued++;
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
        if (_token == rejected)
        {
            _token = null;
        }
    }
}
