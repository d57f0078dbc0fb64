namespace Scalekit.Webhooks.Crm;

/// <summary>
/// The one Salesforce access token of the process and the instance URL it was issued for. Salesforce gives no
/// expiry, so the token is kept until an API call answers 401 <c>INVALID_SESSION_ID</c>. It also remembers the API
/// usage the last response reported.
/// </summary>
public sealed class SalesforceSession : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, Uri InstanceUrl)? _current;

    /// <summary>How many tokens were fetched; lets operators and tests see renewals.</summary>
    public int TokensIssued { get; private set; }

    /// <summary>The usage reported by the newest response, or null before the first one.</summary>
    public ApiUsage? LastUsage { get; private set; }

    public async Task<(string Token, Uri InstanceUrl)> GetAsync(Func<CancellationToken, Task<(string Token, Uri InstanceUrl)>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        if (_current is { } cached)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current is { } fresh)
            {
                return fresh;
            }

            var issued = await fetch(cancellationToken).ConfigureAwait(false);
            _current = issued;
            TokensIssued++;
            return issued;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="rejected"/> after a 401, unless another caller already replaced it.</summary>
    public void Invalidate(string rejected)
    {
        if (_current?.Token == rejected)
        {
            _current = null;
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
}
