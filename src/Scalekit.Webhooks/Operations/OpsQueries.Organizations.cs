using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Operations;

/// <summary>The operations API's organizations: one with its counts, links and metadata owners, lists, and those over their metadata budget.</summary>
public sealed partial class OpsQueries
{
    /// <summary>The organization's current state, or null when no event has mentioned it.</summary>
    public async Task<OrganizationView?> OrganizationAsync(string organizationId, CancellationToken cancellationToken = default)
    {
        if (await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is not { } organization)
        {
            return null;
        }

        var counts = new OrganizationCountsView(
            await directoryUsers.CountLiveAsync(organizationId, cancellationToken).ConfigureAwait(false),
            await directoryGroups.CountLiveAsync(organizationId, cancellationToken).ConfigureAwait(false),
            await memberships.CountLiveAsync(organizationId, cancellationToken).ConfigureAwait(false));
        var customerId = organization.ExternalId;
        return new OrganizationView(
            organization.Id,
            organization.DisplayName,
            organization.ExternalId,
            organization.RegionCode,
            organization.CreateTime,
            organization.UpdateTime,
            organization.Metadata,
            organization.Features,
            organization.History.DeletedAt,
            counts,
            Applied(organization.History),
            customerId,
            customerId is null ? null : await CustomerBodyAsync(customerId, cancellationToken).ConfigureAwait(false),
            await MetadataPairsAsync(organization, cancellationToken).ConfigureAwait(false),
            FeatureOwners(organization.Features),
            await accounts.FindAccountAsync(organization.Id, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Who owns each feature the organization lists (<c>customer</c>: no writer claims it), as the ownership table says.</summary>
    private Dictionary<string, string> FeatureOwners(System.Text.Json.JsonElement? features)
    {
        var owners = new Dictionary<string, string>(StringComparer.Ordinal);
        if (features is not { ValueKind: System.Text.Json.JsonValueKind.Array } list)
        {
            return owners;
        }

        foreach (var feature in list.EnumerateArray())
        {
            if (feature.ValueKind == System.Text.Json.JsonValueKind.Object && feature.TryGetProperty("name", out var name) && name.GetString() is { Length: > 0 } text)
            {
                owners[text] = ownership.WriterOf(FactKind.Feature, text).ToString().ToLowerInvariant();
            }
        }

        return owners;
    }

    /// <summary>The organization's metadata keys by writer, as the ownership table assigns them, and the over-budget flag.</summary>
    private async Task<MetadataPairsView> MetadataPairsAsync(OrganizationRecord organization, CancellationToken cancellationToken)
    {
        var keys = organization.Metadata is { ValueKind: System.Text.Json.JsonValueKind.Object } metadata
            ? [.. metadata.EnumerateObject().Select(p => p.Name)]
            : new List<string>();
        var overBudget = await crm.IsOverBudgetAsync(organization.Id, cancellationToken).ConfigureAwait(false)
            || (organization.ExternalId is { } customerId && (await billing.GetAsync(customerId, cancellationToken).ConfigureAwait(false))?.LastAttempt?.OverBudget == true);
        var byWriter = ownership.PairsByWriter(keys).ToDictionary(p => p.Key.ToString().ToLowerInvariant(), p => p.Value, StringComparer.Ordinal);
        return new MetadataPairsView(keys.Count, ScalekitApi.MetadataBudget.MaxPairs, overBudget, byWriter);
    }

    /// <summary>
    /// Organizations whose id, external id or name contains <paramref name="text"/>, in id order; on the first page,
    /// those listing <paramref name="text"/> as a domain come first. Every organization when the text is empty.
    /// </summary>
    public async Task<OpsPage<OrganizationSummaryView>> OrganizationsAsync(string? text, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var found = new List<OrganizationRecord>();
        if (continuation is null && text is { Length: > 0 } domain && domain.Contains('.', StringComparison.Ordinal) && !domain.Contains(' ', StringComparison.Ordinal))
        {
            foreach (var organizationId in await domains.OrganizationsWithDomainAsync(domain, cancellationToken).ConfigureAwait(false))
            {
                if (await organizations.GetAsync(organizationId, cancellationToken).ConfigureAwait(false) is { } organization)
                {
                    found.Add(organization);
                }
            }
        }

        var (matches, token) = await organizations.SearchAsync(text, Clamp(pageSize), continuation, cancellationToken: cancellationToken).ConfigureAwait(false);
        found.AddRange(matches.Where(match => !found.Any(known => known.Id == match.Id)));
        return new OpsPage<OrganizationSummaryView>([.. found.Select(o => new OrganizationSummaryView(
            o.Id, o.DisplayName, o.ExternalId, o.RegionCode, o.UpdateTime, o.History.DeletedAt))], token);
    }

    public async Task<OpsPage<DirectoryUserView>> DirectoryUsersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var page = await directoryUsers.PageAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<DirectoryUserView>([.. page.Items.Select(u => new DirectoryUserView(
            u.Id, u.OrganizationId, u.Email, u.Active, u.Name, u.GivenName, u.FamilyName, u.PreferredUsername, u.EmployeeId, u.Department, u.Title,
            u.Roles, u.Groups, u.History.DeletedAt, Applied(u.History)))], page.ContinuationToken);
    }

    public async Task<OpsPage<MemberView>> MembersAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var page = await memberships.PageAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<MemberView>([.. page.Items.Select(m => new MemberView(
            m.UserId, m.OrganizationId, m.Email, m.MembershipStatus, m.Roles, m.History.DeletedAt, Applied(m.History)))], page.ContinuationToken);
    }

    /// <summary>One page of an organization's employees as the HR sync last left them.</summary>
    public async Task<OpsPage<EmployeeView>> EmployeesAsync(string organizationId, int pageSize, string? continuation, CancellationToken cancellationToken = default)
    {
        var (page, token) = await employees.ListAsync(organizationId, Clamp(pageSize), continuation, cancellationToken).ConfigureAwait(false);
        return new OpsPage<EmployeeView>([.. page.Select(e => new EmployeeView(
            e.EmployeeId, e.OrganizationId, e.Email, e.ScalekitUserId, e.Status, e.Department, e.Title, e.MembershipRemoved,
            e.LastEvent is { } last ? new AppliedEvent(last.EventId, last.EventType, last.OccurredAt) : null,
            new EmployeeSyncView(e.LastSyncResult, e.LastSyncDetail, e.LastSyncAt)))], token);
    }

    /// <summary>Organizations whose metadata has no room for billing's or the CRM sync's keys (the last sync was refused for it).</summary>
    public async Task<OpsPage<OverBudgetView>> OverBudgetOrganizationsAsync(CancellationToken cancellationToken = default)
    {
        var items = new List<OverBudgetView>();
        await foreach (var row in billing.OverBudgetAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new OverBudgetView(
                "billing",
                row.LastAttempt?.OrganizationId,
                row.CustomerId,
                null,
                row.LastAttempt?.At,
                row.LastAttempt?.Reason,
                row.LastAttempt?.Metadata is { } metadata ? [.. metadata.Keys.Order(StringComparer.Ordinal)] : null));
        }

        await foreach (var refusal in crm.OverBudgetAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new OverBudgetView("crm", refusal.OrganizationId, null, refusal.AccountId, refusal.At, refusal.Reason, [.. refusal.OrganizationKeys]));
        }

        return new OpsPage<OverBudgetView>(items, null);
    }
}
