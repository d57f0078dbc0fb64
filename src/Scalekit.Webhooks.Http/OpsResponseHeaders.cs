using Microsoft.AspNetCore.Http;

namespace Scalekit.Webhooks.Http;

/// <summary>Headers every operations response carries, whichever host answers: nothing of it may be stored by a cache or a browser.</summary>
public static class OpsResponseHeaders
{
    public const string CacheControl = "no-store";

    public static void Apply(HttpResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.CacheControl = CacheControl;
        response.Headers.XContentTypeOptions = "nosniff";
    }
}
