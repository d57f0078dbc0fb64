using Microsoft.Extensions.Options;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Hr;

/// <summary>The organization an employee belongs to, or null with the reason none was chosen.</summary>
public sealed record OrganizationMatch(string? OrganizationId, string Detail);

/// <summary>
/// Finds an employee's organization: <c>organization_id</c> if given; else the organization whose external id is
/// <c>organization_external_id</c>; else the one organization that verified the email's domain, as seen in
/// <c>organization.domain_*</c> events (Scalekit has no lookup by domain). Never guesses between candidates.
/// </summary>
public sealed class HrOrganizationResolver(ScalekitClient scalekit, IOptions<ScalekitOptions> options, OrganizationLinks links, OrganizationDomainStore domains)
{
    public async Task<OrganizationMatch> ResolveAsync(HrEmployee employee, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(employee);
        if (employee.OrganizationId is { } organizationId)
        {
            return new OrganizationMatch(organizationId, "organization_id");
        }

        if (employee.OrganizationExternalId is { } externalId)
        {
            var found = options.Value.IsConfigured
                ? (await scalekit.FindByExternalIdAsync(externalId, cancellationToken).ConfigureAwait(false))?.Id
                : await links.FindAsync(externalId, cancellationToken).ConfigureAwait(false);
            return found is null
                ? new OrganizationMatch(null, $"no Scalekit organization has external_id '{externalId}' (organization_external_id)")
                : new OrganizationMatch(found, $"organization_external_id {externalId}");
        }

        var domain = employee.EmailDomain;
        var candidates = await domains.OrganizationsWithVerifiedDomainAsync(domain, cancellationToken).ConfigureAwait(false);
        return candidates.Count switch
        {
            1 => new OrganizationMatch(candidates.First(), $"verified domain {domain}"),
            0 => new OrganizationMatch(null, $"the event has no organization_id or organization_external_id, and no organization has verified the domain '{domain}' in the organization.domain_* events received so far"),
            _ => new OrganizationMatch(null, $"the domain '{domain}' is verified for several organizations ({string.Join(", ", candidates)}); send organization_id to choose one"),
        };
    }
}
