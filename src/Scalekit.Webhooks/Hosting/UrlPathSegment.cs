namespace Scalekit.Webhooks.Hosting;

/// <summary>
/// Whether an id may stand as one segment of an outbound URL path. Escaping keeps <c>.</c> and <c>..</c> as they are,
/// and URL resolution then removes or climbs them (<c>organizations/../users</c> becomes <c>users</c>); an empty id
/// names the collection instead of one item. Every client refuses such ids before anything is sent.
/// </summary>
public static class UrlPathSegment
{
    public static bool IsUsable(string? id) => !string.IsNullOrEmpty(id) && id is not "." and not "..";
}
