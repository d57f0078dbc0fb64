using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Scalekit.Webhooks.Stripe.Entitlements;

/// <summary>
/// Reads a customer's active entitlements (<c>GET /v1/entitlements/active_entitlements?customer=</c>, every page)
/// through Stripe.net, for an organization linked after the customer's last entitlement summary.
/// </summary>
public sealed class StripeActiveEntitlements(StripeApiReader stripe)
{
    /// <summary>Stripe's largest page.</summary>
    public const int PageSize = 100;

    /// <summary>More pages than any customer has features; a list that goes on is an answer not to trust.</summary>
    private const int MaxPages = 20;

    /// <summary>
    /// The lookup keys of the customer's active entitlements. Throws <see cref="StripeReadException"/>: transient for
    /// 429, 409, 5xx, a network failure or timeout; permanent for another refusal or an answer that is not a list.
    /// </summary>
    public async Task<IReadOnlyList<string>> LookupKeysAsync(string customerId, CancellationToken cancellationToken = default)
    {
        var keys = new List<string>();
        string? startingAfter = null;
        for (var page = 0; page < MaxPages; page++)
        {
            var content = await stripe.GetAsync(PathOf(customerId, startingAfter), "the customer's active entitlements", cancellationToken).ConfigureAwait(false);
            var (pageKeys, hasMore, lastId) = Parse(content);
            keys.AddRange(pageKeys);
            if (!hasMore)
            {
                return keys;
            }

            startingAfter = lastId;
        }

        throw new StripeReadException(false, $"Stripe's active entitlements of the customer did not end after {MaxPages} pages.");
    }

    private static string PathOf(string customerId, string? startingAfter)
    {
        var path = new StringBuilder("/v1/entitlements/active_entitlements?limit=").Append(PageSize.ToString(CultureInfo.InvariantCulture))
            .Append("&customer=").Append(Uri.EscapeDataString(customerId));
        if (startingAfter is not null)
        {
            path.Append("&starting_after=").Append(Uri.EscapeDataString(startingAfter));
        }

        return path.ToString();
    }

    /// <summary>One page's lookup keys; throws a permanent <see cref="StripeReadException"/> for anything but a list of entitlements.</summary>
    internal static (IReadOnlyList<string> Keys, bool HasMore, string? LastId) Parse(string content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
                || !root.TryGetProperty("has_more", out var hasMore) || hasMore.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw Malformed("it has no 'data' array and 'has_more' flag");
            }

            var keys = new List<string>();
            string? lastId = null;
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("lookup_key", out var key) || key.ValueKind != JsonValueKind.String)
                {
                    throw Malformed("an entry of 'data' is not an entitlement with an id and a lookup_key");
                }

                lastId = id.GetString();
                keys.Add(key.GetString()!);
            }

            return (keys, hasMore.GetBoolean() && lastId is not null, lastId);
        }
        catch (JsonException)
        {
            throw Malformed("it is not JSON");
        }
    }

    private static StripeReadException Malformed(string why) => new(false, $"Stripe's active entitlements answer cannot be read: {why}.");
}
