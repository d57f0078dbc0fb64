namespace Scalekit.Webhooks.Verification;

/// <summary>
/// Case-insensitive read access to a request's headers, whatever host the request came through.
/// </summary>
public sealed class WebhookHeaders
{
    private readonly Func<string, string?> _lookup;

    /// <summary>Wraps a lookup that is already case-insensitive (such as ASP.NET Core's header dictionary).</summary>
    public WebhookHeaders(Func<string, string?> caseInsensitiveLookup) => _lookup = caseInsensitiveLookup;

    /// <summary>Builds headers from name/value pairs; later duplicates are joined with a comma as HTTP allows.</summary>
    public static WebhookHeaders FromPairs(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in pairs)
        {
            map[name] = map.TryGetValue(name, out var existing) ? existing + "," + value : value;
        }

        return new WebhookHeaders(name => map.GetValueOrDefault(name));
    }

    /// <summary>The header's value, or null when it is absent or blank.</summary>
    public string? this[string name]
    {
        get
        {
            var value = _lookup(name);
            return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        }
    }
}
