using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>Reading the loosely typed JSON HR systems send: ids as strings or numbers, dates with or without a time.</summary>
internal static class ProviderJson
{
    /// <summary>Longest employee id taken (as the product's own format): it becomes part of a Scalekit external id.</summary>
    public const int MaxIdLength = 255;

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd/MM/yyyy"];

    /// <summary>
    /// An event id from the content: these senders send none, and a retried delivery repeats its body byte for byte,
    /// so the ledger sees the retry as the same event.
    /// </summary>
    public static string ContentId(string prefix, ReadOnlySpan<byte> payload) =>
        $"{prefix}-{Convert.ToHexStringLower(SHA256.HashData(payload))[..32]}";

    /// <summary>The string, number or boolean at <paramref name="path"/> as text; null when absent, null or empty.</summary>
    public static string? Text(JsonElement element, params ReadOnlySpan<string> path)
    {
        foreach (var name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        var text = element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>A date from its first ten characters (<c>2026-02-01</c>, <c>2026-02-01T00:00:00Z</c>, <c>01/02/2026</c>); null for an unset date written <c>0000-00-00</c>.</summary>
    public static DateOnly? Date(string? text)
    {
        if (text is null || text.Length < 10)
        {
            return null;
        }

        return DateOnly.TryParseExact(text[..10], DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
    }

    /// <summary>A time the sender wrote as ISO 8601 with or without a zone (none means UTC) or with <c>+0000</c>.</summary>
    public static DateTimeOffset? Time(string? text)
    {
        if (text is null)
        {
            return null;
        }

        // "+0000" is not an ISO 8601 offset .NET reads; "+00:00" is.
        if (text.Length > 5 && (text[^5] is '+' or '-') && text[^4..].All(char.IsAsciiDigit))
        {
            text = $"{text[..^2]}:{text[^2..]}";
        }

        return Ingest.EventMetadata.ParseTime(text);
    }

    /// <summary>The body as a JSON document, or null when it is not one JSON object.</summary>
    public static JsonDocument? Object(ReadOnlyMemory<byte> body)
    {
        try
        {
            var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return document;
            }

            document.Dispose();
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
