using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Reads Stripe's lists (<c>{"data":[…],"has_more":…}</c>) through <see cref="StripeApiReader"/>, a page at a time or
/// every page, following <c>starting_after</c> with the last entry's id while <c>has_more</c> says more follow: a
/// customer's active entitlements, its subscriptions, and the event list of the recovery of missed events.
/// </summary>
public sealed class StripeListReader(StripeApiReader stripe)
{
    /// <summary>Stripe's largest page.</summary>
    public const int PageSize = 100;

    /// <summary>Stripe's most <c>types[]</c> per event list request; with more, every type is listed and filtered here.</summary>
    public const int MaxTypeFilters = 20;

    /// <summary>More pages than any customer has features; a list that goes on is an answer not to trust.</summary>
    private const int MaxEntitlementPages = 20;

    /// <summary>
    /// The lookup keys of the customer's active entitlements (<c>GET /v1/entitlements/active_entitlements</c>, every
    /// page). Throws <see cref="StripeReadException"/>: transient for 429, 409, 5xx, a network failure or timeout;
    /// permanent for another refusal or an answer that is not a list of entitlements.
    /// </summary>
    public async Task<IReadOnlyList<string>> ActiveEntitlementKeysAsync(string customerId, CancellationToken cancellationToken = default)
    {
        const string What = "active entitlements";
        var entitlements = await AllAsync($"/v1/entitlements/active_entitlements?customer={Uri.EscapeDataString(customerId)}", What, MaxEntitlementPages, cancellationToken).ConfigureAwait(false);
        return [.. entitlements.Select(entitlement => Text(entitlement, "lookup_key") ?? throw Malformed(What, "an entry of 'data' is not an entitlement with a lookup_key"))];
    }

    /// <summary>
    /// The page of events created at or after <paramref name="since"/> (<c>GET /v1/events</c>, newest first) that
    /// follows <paramref name="startingAfter"/>, keeping each event of <paramref name="types"/> as Stripe rendered it
    /// (in the API version of its creation). Throws <see cref="StripeReadException"/> as <see cref="PageAsync"/> does.
    /// </summary>
    public async Task<StripeEventPage> EventsAsync(DateTimeOffset since, IReadOnlyCollection<string> types, string? startingAfter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        const string What = "event list";
        var path = new StringBuilder("/v1/events?created%5Bgte%5D=").Append(since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        if (types.Count <= MaxTypeFilters)
        {
            foreach (var type in types)
            {
                path.Append("&types%5B%5D=").Append(Uri.EscapeDataString(type));
            }
        }

        var page = await PageAsync(path.ToString(), What, startingAfter, cancellationToken).ConfigureAwait(false);
        var events = new List<ListedEvent>();
        foreach (var entry in page.Entries)
        {
            var type = Text(entry, "type") ?? throw Malformed(What, "an entry of 'data' is not an event with an id and a type");
            if (types.Contains(type))
            {
                events.Add(new ListedEvent(Text(entry, "id")!, type, Encoding.UTF8.GetBytes(entry.GetRawText())));
            }
        }

        return new StripeEventPage(events, page.HasMore, page.LastId);
    }

    /// <summary>
    /// The page of the list at <paramref name="path"/> (with its own filters, without <c>limit</c> and
    /// <c>starting_after</c>) that follows <paramref name="startingAfter"/>, the first page when null. Throws
    /// <see cref="StripeReadException"/> naming <paramref name="what"/>: transient for 429, 409, 5xx, a network
    /// failure or timeout; permanent for another refusal or an answer that is not a list of objects with ids.
    /// </summary>
    public async Task<StripeListPage> PageAsync(string path, string what, string? startingAfter, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var query = $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}limit={PageSize.ToString(CultureInfo.InvariantCulture)}"
            + (startingAfter is null ? string.Empty : $"&starting_after={Uri.EscapeDataString(startingAfter)}");
        return Parse(await stripe.GetAsync(query, what, cancellationToken).ConfigureAwait(false), what);
    }

    /// <summary>Every entry of the list, in Stripe's order; a list longer than <paramref name="maxPages"/> pages is refused as an answer not to trust.</summary>
    public async Task<IReadOnlyList<JsonElement>> AllAsync(string path, string what, int maxPages, CancellationToken cancellationToken = default)
    {
        var entries = new List<JsonElement>();
        string? startingAfter = null;
        for (var page = 0; page < maxPages; page++)
        {
            var listed = await PageAsync(path, what, startingAfter, cancellationToken).ConfigureAwait(false);
            entries.AddRange(listed.Entries);
            if (!listed.HasMore)
            {
                return entries;
            }

            startingAfter = listed.LastId;
        }

        throw new StripeReadException(false, $"Stripe's list of {what} did not end after {maxPages} pages.");
    }

    /// <summary>One list answer; throws a permanent <see cref="StripeReadException"/> for anything else.</summary>
    internal static StripeListPage Parse(string content, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array
                || !root.TryGetProperty("has_more", out var hasMore) || hasMore.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw Malformed(what, "it has no 'data' array and 'has_more' flag");
            }

            var entries = new List<JsonElement>();
            string? lastId = null;
            foreach (var entry in data.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
                {
                    throw Malformed(what, "an entry of 'data' is not an object with an id");
                }

                lastId = id.GetString();
                entries.Add(entry.Clone());
            }

            return new StripeListPage(entries, hasMore.GetBoolean() && lastId is not null, lastId);
        }
        catch (JsonException)
        {
            throw Malformed(what, "it is not JSON");
        }
    }

    /// <summary>The text of <paramref name="name"/> in <paramref name="entry"/>, or null.</summary>
    public static string? Text(JsonElement entry, string name) =>
        entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static StripeReadException Malformed(string what, string why) => new(false, $"Stripe's {what} answer cannot be read: {why}.");
}

/// <summary>One page of a Stripe list: its entries, whether more follow, and the cursor for the next page.</summary>
/// <param name="Entries">The page's entries, in Stripe's order.</param>
/// <param name="HasMore">Whether another page follows.</param>
/// <param name="LastId">The id of the page's last entry: the next page's <c>starting_after</c>.</param>
public sealed record StripeListPage(IReadOnlyList<JsonElement> Entries, bool HasMore, string? LastId);

/// <summary>One page of the event list: the events of handled types, whether more follow, and the cursor for the next page.</summary>
/// <param name="Events">The page's events of the types asked for, newest first.</param>
/// <param name="HasMore">Whether another page follows.</param>
/// <param name="LastId">The id of the page's last event of any type: the next page's <c>starting_after</c>.</param>
public sealed record StripeEventPage(IReadOnlyList<ListedEvent> Events, bool HasMore, string? LastId);

/// <summary>One listed event and its JSON as Stripe sent it.</summary>
public sealed record ListedEvent(string Id, string Type, ReadOnlyMemory<byte> Json);
