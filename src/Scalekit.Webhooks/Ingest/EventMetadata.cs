using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Ingest;

/// <summary>The few top-level fields of an event that routing, ordering and the ledger need.</summary>
public sealed record EventMetadata(string EventId, string EventType, DateTimeOffset? OccurredAt, string? ApiVersion)
{
    /// <summary>Longest accepted event id and type.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Longest accepted Stripe <c>api_version</c> (they look like <c>2026-10-28.endive</c>).</summary>
    public const int MaxApiVersionLength = 64;

    /// <summary>
    /// Reads <c>id</c>, <c>type</c>, the event time (<c>occurred_at</c> for Scalekit, <c>created</c> for Stripe) and
    /// Stripe's <c>api_version</c>, validating that the whole body is one well-formed JSON object whose every string can
    /// be read (an escaped lone surrogate such as <c>\ud800</c> cannot).
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out EventMetadata? metadata, out VerificationResult failure)
    {
        metadata = null;
        string? id = null, type = null, apiVersion = null;
        DateTimeOffset? occurredAt = null;
        if (!Utf8.IsValid(json))
        {
            failure = NotJson("the body is not valid UTF-8");
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                failure = NotJson("the body is not a JSON object");
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "id" when reader.TokenType == JsonTokenType.String:
                        id = reader.GetString();
                        break;
                    case "type" when reader.TokenType == JsonTokenType.String:
                        type = reader.GetString();
                        break;
                    case "api_version" when reader.TokenType == JsonTokenType.String:
                        apiVersion = reader.GetString();
                        break;
                    case "occurred_at" when reader.TokenType == JsonTokenType.String:
                        occurredAt = ParseTime(reader.GetString());
                        break;
                    case "created" when reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var created):
                        occurredAt = DateTimeOffset.FromUnixTimeSeconds(created);
                        break;
                    default:
                        SkipReadably(ref reader);
                        break;
                }
            }

            if (reader.Read())
            {
                failure = NotJson("the body has content after the JSON object");
                return false;
            }
        }
        catch (JsonException ex)
        {
            failure = NotJson($"the body is not valid JSON ({ex.Message})");
            return false;
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader throws this when an escaped string does not decode (a lone UTF-16 surrogate).
            failure = NotJson("a string holds an escaped lone surrogate (\\uD800-\\uDFFF without its pair)");
            return false;
        }

        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength)
        {
            failure = VerificationResult.Reject(WebhookRejection.MissingEventId, $"The event has no string 'id' of at most {MaxIdLength} characters.");
            return false;
        }

        if (string.IsNullOrWhiteSpace(type) || type.Length > MaxIdLength)
        {
            failure = VerificationResult.Reject(WebhookRejection.MissingEventType, $"The event has no string 'type' of at most {MaxIdLength} characters.");
            return false;
        }

        if (apiVersion is { Length: > MaxApiVersionLength })
        {
            failure = VerificationResult.Reject(WebhookRejection.ApiVersionMismatch, $"The event's api_version is longer than {MaxApiVersionLength} characters.");
            return false;
        }

        metadata = new EventMetadata(id, type, occurredAt, apiVersion);
        failure = VerificationResult.Verified;
        return true;
    }

    /// <summary>Parses RFC 3339; digits past the 7th fraction digit (Scalekit sends nanoseconds) are dropped, as .NET ticks are 100 ns.</summary>
    internal static DateTimeOffset? ParseTime(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;
    }

    /// <summary>Skips the current value like <see cref="Utf8JsonReader.Skip"/>, decoding every escaped string on the way so an undecodable one throws.</summary>
    private static void SkipReadably(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            DecodeIfEscaped(ref reader);
            return;
        }

        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            DecodeIfEscaped(ref reader);
        }
    }

    private static void DecodeIfEscaped(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
        {
            _ = reader.GetString();
        }
    }

    private static VerificationResult NotJson(string why) => VerificationResult.Reject(WebhookRejection.BodyNotJson, $"Body is not JSON: {why}.");
}
