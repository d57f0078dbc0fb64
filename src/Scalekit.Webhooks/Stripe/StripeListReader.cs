using System.Globalization;
using System.Text.Json;

namespace Scalekit.Webhooks.Stripe;

/// <summary>
/// Reads Stripe's lists (<c>{"data":[…],"has_more":…}</c>) through <see cref="StripeApiReader"/>, a page at a time or
/// every page, following <c>starting_after</c> with the last entry's id while <c>has_more</c> says more follow.
/// </summary>
public sealed class StripeListReader(StripeApiReader stripe)
{
    /// <summary>Stripe's largest page.</summary>
    public const int PageSize = 100;

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
