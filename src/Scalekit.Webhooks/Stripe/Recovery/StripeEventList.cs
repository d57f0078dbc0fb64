using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Stripe;

namespace Scalekit.Webhooks.Stripe.Recovery;

/// <summary>
/// Reads Stripe's event list (<c>GET /v1/events</c>, newest first) one page at a time through Stripe.net, keeping each
/// event's JSON as Stripe rendered it (in the API version of its creation), so it can be stored as a delivery would be.
/// </summary>
public sealed class StripeEventList(IOptions<StripeApiOptions> options, IHttpClientFactory httpClientFactory)
{
    /// <summary>Stripe's largest page.</summary>
    public const int PageSize = 100;

    /// <summary>Stripe's most <c>types[]</c> per request; with more, every type is listed and filtered here.</summary>
    public const int MaxTypeFilters = 20;

    private readonly StripeApiOptions _options = options.Value;

    /// <summary>
    /// The page of events created at or after <paramref name="since"/> that follows <paramref name="startingAfter"/>
    /// (the first page when null). Throws <see cref="StripeEventListException"/>: transient for 429, 5xx, a network
    /// failure or timeout; permanent for another refusal or an answer that is not an event list.
    /// </summary>
    public async Task<StripeEventPage> ListAsync(DateTimeOffset since, IReadOnlyCollection<string> types, string? startingAfter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(types);
        if (!_options.IsConfigured)
        {
            throw new StripeEventListException(false, _options.Problem ?? $"{StripeApiOptions.ApiKeySetting} is not set.");
        }

        var client = new StripeClient(new StripeClientOptions
        {
            ApiKey = _options.ApiKey,
            ApiBase = _options.BaseUrl?.ToString().TrimEnd('/'),
            HttpClient = new SystemNetHttpClient(httpClientFactory.CreateClient(StripeCustomerMetadata.HttpClientName), maxNetworkRetries: 2),
        });
        string content;
        try
        {
            var response = await client.RawRequestAsync(HttpMethod.Get, PathOf(since, types, startingAfter), null, null, cancellationToken).ConfigureAwait(false);
            content = response.Content;
        }
        catch (StripeException ex)
        {
            var status = (int)ex.HttpStatusCode;
            var transient = ex.HttpStatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.Conflict || status >= 500 || status == 0;
            throw new StripeEventListException(transient, $"Stripe refused to list events ({status}{(ex.StripeError?.Code is { } code ? $" {code}" : string.Empty)}): {ex.StripeError?.Message ?? ex.Message}", ex);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new StripeEventListException(true, $"Stripe's event list did not answer ({(ex is OperationCanceledException ? $"timed out after {_options.Timeout.TotalMilliseconds:0} ms, {StripeApiOptions.TimeoutSetting}" : ex.Message)}).", ex);
        }

        return Parse(content, types);
    }

    private static string PathOf(DateTimeOffset since, IReadOnlyCollection<string> types, string? startingAfter)
    {
        var query = new StringBuilder("/v1/events?limit=").Append(PageSize.ToString(CultureInfo.InvariantCulture))
            .Append("&created%5Bgte%5D=").Append(since.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        if (types.Count <= MaxTypeFilters)
        {
            foreach (var type in types)
            {
                query.Append("&types%5B%5D=").Append(Uri.EscapeDataString(type));
            }
        }

        if (startingAfter is not null)
        {
            query.Append("&starting_after=").Append(Uri.EscapeDataString(startingAfter));
        }

        return query.ToString();
    }

    /// <summary>The events of one list answer; throws a permanent <see cref="StripeEventListException"/> for anything else.</summary>
    internal static StripeEventPage Parse(string content, IReadOnlyCollection<string> types)
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

            var events = new List<ListedEvent>();
            string? lastId = null;
            foreach (var item in data.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                    || !item.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                {
                    throw Malformed("an entry of 'data' is not an event with an id and a type");
                }

                lastId = id.GetString()!;
                if (types.Contains(type.GetString()!))
                {
                    events.Add(new ListedEvent(lastId, type.GetString()!, Encoding.UTF8.GetBytes(item.GetRawText())));
                }
            }

            return new StripeEventPage(events, hasMore.GetBoolean() && lastId is not null, lastId);
        }
        catch (JsonException)
        {
            throw Malformed("it is not JSON");
        }
    }

    private static StripeEventListException Malformed(string why) => new(false, $"Stripe's event list answer cannot be read: {why}.");
}

/// <summary>One page of the event list: the events of handled types, whether more follow, and the cursor for the next page.</summary>
/// <param name="Events">The page's events of the types asked for, newest first.</param>
/// <param name="HasMore">Whether another page follows.</param>
/// <param name="LastId">The id of the page's last event of any type: the next page's <c>starting_after</c>.</param>
public sealed record StripeEventPage(IReadOnlyList<ListedEvent> Events, bool HasMore, string? LastId);

/// <summary>One listed event and its JSON as Stripe sent it.</summary>
public sealed record ListedEvent(string Id, string Type, ReadOnlyMemory<byte> Json);

/// <summary>Stripe's event list could not be read; a transient failure is worth retrying.</summary>
public sealed class StripeEventListException(bool isTransient, string message, Exception? inner = null) : Exception(message, inner)
{
    public bool IsTransient { get; } = isTransient;
}
