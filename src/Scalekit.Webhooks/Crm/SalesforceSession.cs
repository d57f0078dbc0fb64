namespace Scalekit.Webhooks.Crm;

/// <summary>
/// The one Salesforce access token of the process and the instance URL it was issued for. Salesforce gives no
/// expiry, so the token is kept until an API call answers 401 <c>INVALID_SESSION_ID</c>. It also remembers the API
/// usage the last response reported. The token and its URL are one immutable object, replaced whole, so a reader
/// never sees one token with another's URL.
/// </summary>
public sealed class SalesforceSession : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IssuedToken? _current;
    private int _tokensIssued;

    /// <summary>How many tokens were fetched; lets operators and tests see renewals.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>The usage reported by the newest response, or null before the first one.</summary>
    public ApiUsage? LastUsage { get; private set; }

    public async Task<(string Token, Uri InstanceUrl)> GetAsync(Func<CancellationToken, Task<(string Token, Uri InstanceUrl)>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        if (_current is { } cached)
        {
            return (cached.Token, cached.InstanceUrl);
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh)
            {
                return (fresh.Token, fresh.InstanceUrl);
            }

            var (token, instanceUrl) = await fetch(cancellationToken).ConfigureAwait(false);
            _current = new IssuedToken(token, instanceUrl);
            Interlocked.Increment(ref _tokensIssued);
            return (token, instanceUrl);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="rejected"/> after a 401, unless another caller already replaced it.</summary>
    public void Invalidate(string rejected)
    {
        if (_current is { } seen && seen.Token == rejected)
        {
            Interlocked.CompareExchange(ref _current, null, seen);
        }
    }

    public void Record(ApiUsage? usage)
    {
        if (usage is not null)
        {
            LastUsage = usage;
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed record IssuedToken(string Token, Uri InstanceUrl);
}
