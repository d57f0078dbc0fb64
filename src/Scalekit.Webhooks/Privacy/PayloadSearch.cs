using System.Text.Json;

namespace Scalekit.Webhooks.Privacy;

/// <summary>Whether a stored event body mentions a person: any string value in it equal to the subject (escapes decoded).</summary>
internal static class PayloadSearch
{
    public static bool Mentions(ReadOnlySpan<byte> json, string subject, StringComparison comparison)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String && string.Equals(reader.GetString(), subject, comparison))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not readable JSON (never stored by ingest): fall back to the raw bytes.
            return System.Text.Encoding.UTF8.GetString(json).Contains(subject, comparison);
        }

        return false;
    }
}
