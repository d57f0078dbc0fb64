using System.Text.Json;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>The parts of a Scalekit organization the billing sync reads and writes.</summary>
public sealed record ScalekitOrganization(string Id, string? ExternalId, string? DisplayName, IReadOnlyDictionary<string, string> Metadata, IReadOnlyDictionary<string, bool> Features)
{
    /// <summary>Reads <c>{"organization": {...}}</c>.</summary>
    public static ScalekitOrganization FromResponse(JsonElement body)
    {
        var organization = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("organization", out var inner) ? inner : body;
        if (organization.ValueKind != JsonValueKind.Object || !organization.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw new ScalekitMalformedAnswerException("the organization has no 'id'");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (organization.TryGetProperty("metadata", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var pair in map.EnumerateObject())
            {
                metadata[pair.Name] = pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString()! : pair.Value.GetRawText();
            }
        }

        var features = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (organization.TryGetProperty("settings", out var settings) && settings.ValueKind == JsonValueKind.Object
            && settings.TryGetProperty("features", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var feature in list.EnumerateArray())
            {
                if (feature.ValueKind == JsonValueKind.Object && feature.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String)
                {
                    features[name.GetString()!] = feature.TryGetProperty("enabled", out var enabled) && enabled.ValueKind == JsonValueKind.True;
                }
            }
        }

        return new ScalekitOrganization(
            id.GetString()!,
            organization.TryGetProperty("external_id", out var external) && external.ValueKind == JsonValueKind.String ? external.GetString() : null,
            organization.TryGetProperty("display_name", out var display) && display.ValueKind == JsonValueKind.String ? display.GetString() : null,
            metadata,
            features);
    }
}
