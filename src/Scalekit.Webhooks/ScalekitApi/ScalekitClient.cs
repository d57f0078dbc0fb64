using Microsoft.Extensions.Options;


namespace Scalekit.Webhooks.ScalekitApi;

/// <summary>Typed client for Scalekit's organization API (create, lookups, metadata, feature settings).</summary>
public sealed class ScalekitClient(IHttpClientFactory httpClients, IOptions<ScalekitOptions> options, ScalekitTokenCache tokens)
    : ScalekitApiClient(httpClients, options, tokens)
{
    /// <summary>The organization whose <c>external_id</c> is <paramref name="externalId"/>, or null when there is none.</summary>
    public async Task<ScalekitOrganization?> FindByExternalIdAsync(string externalId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendForOrganizationAsync(HttpMethod.Get, $"api/v1/organizations:external/{Segment(externalId, "external_id")}", null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ScalekitNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The organization <paramref name="organizationId"/>, or null when it does not exist.</summary>
    public async Task<ScalekitOrganization?> GetAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SendForOrganizationAsync(HttpMethod.Get, $"api/v1/organizations/{Segment(organizationId, "organization_id")}", null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ScalekitNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Creates an organization (<c>POST /api/v1/organizations</c>). Scalekit keeps <paramref name="externalId"/> unique
    /// per environment, so callers look the organization up by it first and create only when there is none.
    /// </summary>
    public Task<ScalekitOrganization> CreateAsync(string displayName, string externalId, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default) =>
        SendForOrganizationAsync(HttpMethod.Post, "api/v1/organizations", new { display_name = displayName, external_id = externalId, metadata }, null, cancellationToken);

    /// <summary>
    /// Replaces the organization's metadata with <paramref name="metadata"/> (Scalekit takes the whole map).
    /// <paramref name="requestKey"/> goes out as the <c>Idempotency-Key</c> header so the request can be traced to the
    /// change that caused it; Scalekit's API does not promise to honour it, so a repeat must be harmless by itself.
    /// </summary>
    public Task<ScalekitOrganization> UpdateMetadataAsync(string organizationId, IReadOnlyDictionary<string, string> metadata, string? requestKey, CancellationToken cancellationToken = default) =>
        SendForOrganizationAsync(HttpMethod.Patch, $"api/v1/organizations/{Segment(organizationId, "organization_id")}", new { metadata }, requestKey, cancellationToken);

    /// <summary>Turns organization features on or off (<c>PATCH /api/v1/organizations/{id}/settings</c>).</summary>
    public Task<ScalekitOrganization> UpdateFeaturesAsync(string organizationId, IReadOnlyDictionary<string, bool> features, CancellationToken cancellationToken = default) =>
        SendForOrganizationAsync(HttpMethod.Patch, $"api/v1/organizations/{Segment(organizationId, "organization_id")}/settings",
            new { features = features.Select(f => new { name = f.Key, enabled = f.Value }).ToArray() }, null, cancellationToken);

    private async Task<ScalekitOrganization> SendForOrganizationAsync(HttpMethod method, string path, object? body, string? requestKey, CancellationToken cancellationToken)
    {
        using var document = await SendAsync(method, path, body, requestKey, cancellationToken).ConfigureAwait(false);
        return ScalekitOrganization.FromResponse(document.RootElement);
    }
}
