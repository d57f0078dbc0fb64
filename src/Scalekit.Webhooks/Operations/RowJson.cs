using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace Scalekit.Webhooks.Operations;

/// <summary>Turns a table row into a JSON object for the operations API: JSON-valued text becomes JSON, bookkeeping is dropped.</summary>
public static class RowJson
{
    private static readonly HashSet<string> Hidden = new(StringComparer.Ordinal) { "odata.etag", "Timestamp", "Message", "LeaseUntil" };

    public static JsonObject From(TableEntity row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var json = new JsonObject();
        foreach (var (name, value) in row)
        {
            if (Hidden.Contains(name))
            {
                continue;
            }

            json[name] = value switch
            {
                string text when text.Length > 1 && text[0] is '{' or '[' => TryParse(text),
                string text => text,
                DateTimeOffset time => time,
                bool flag => flag,
                int number => number,
                long number => number,
                double number => number,
                byte[] => null,
                null => null,
                _ => value.ToString(),
            };
        }

        return json;
    }

    private static JsonNode? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
