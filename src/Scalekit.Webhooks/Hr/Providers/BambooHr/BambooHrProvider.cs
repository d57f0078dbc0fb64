using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>
/// BambooHR connections: each webhook posts to its connection's own address, signed with its private key; the events
/// name the employee only, so each is completed from BambooHR's API when it is processed.
/// </summary>
public sealed class BambooHrProvider(BambooHrClient client, IOptions<BambooHrOptions> options, IOptions<HrApiOptions> api, TimeProvider time) : IHrProvider
{
    public const string CompanyDomain = "company_domain";
    public const string CompanyId = "company_id";
    private const string Name = "BambooHR";

    public static HrProviderProfile Profile { get; } = new()
    {
        Name = "bamboohr",
        Label = Name,
        Fields =
        [
            new(CompanyDomain, HrFieldKind.Text, "the company's BambooHR subdomain (the part before .bamboohr.com)") { Format = HrFieldFormat.Subdomain, Label = "Company domain (the BambooHR subdomain)" },
            new(CompanyId, HrFieldKind.Text, "BambooHR's numeric companyId, which its event-based deliveries name") { Format = HrFieldFormat.Number, Optional = true, RequiredInSettings = true, Label = "Company id (optional: the first event's is kept)" },
            new("api_key", HrFieldKind.ApiCredential, "a BambooHR API key of a user who can read the employees") { Label = "API key" },
            new("webhook_private_key", HrFieldKind.WebhookSecret, "the webhook's private key BambooHR showed when the webhook was made") { Label = "Webhook private key" },
        ],
        Provider = typeof(BambooHrProvider),
        AddServices = (services, configuration) =>
        {
            services.AddIntegrationSettings<BambooHrOptions, BambooHrOptionsValidator>(settings => BambooHrOptions.Bind(settings, configuration));
            services.TryAddSingleton<BambooHrClient>();
            services.AddApiClient(BambooHrClient.HttpClientName);
        },
        Samples = BambooHrSamples.Deliveries,
    };

    HrProviderProfile IHrProvider.Profile => Profile;

    public string? SettingsProblem => api.Value.Problem ?? options.Value.Problem;

    public SourceConnection Ingest(HrConnection connection, HrIngestContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(context);
        var verifier = new BambooHrVerifier(connection.Secrets, context.Tolerance, time, connection.SecretName);
        return new SourceConnection(connection.Id, verifier, null) { ReadDelivery = (body, cancellationToken) => ReadAsync(connection, context, body, cancellationToken) };
    }

    /// <summary>
    /// A connection made without a company id takes the one its first verified event-based delivery names, and holds
    /// every later delivery to it.
    /// </summary>
    private static async ValueTask<ConnectionDelivery> ReadAsync(HrConnection connection, HrIngestContext context, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var delivery = BambooHrPayload.Split(connection, body);
        if (delivery.Refusal is not null || connection.Field(CompanyId) is not null || BambooHrPayload.CompanyOf(body) is not { } named)
        {
            return delivery;
        }

        var held = await context.RecordFieldAsync(connection, CompanyId, named, cancellationToken).ConfigureAwait(false);
        return held == named ? delivery : BambooHrPayload.OtherCompany(connection);
    }

    public async Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!BambooHrPayload.TryReadThin(payload, out var employeeId, out var type, out var occurredAt))
        {
            return HrProviderRead.Parked("The stored BambooHR event names no employee or no known type; it cannot be applied.");
        }

        var eventId = ProviderJson.ContentId(Profile.Name, payload.Span);
        var at = occurredAt ?? time.GetUtcNow();
        if (type == BambooHrPayload.Deleted)
        {
            return ProviderEvents.Gone(eventId, at, employeeId);
        }

        if (options.Value.Problem is { } problem)
        {
            return HrProviderRead.Parked(problem);
        }

        var answer = await client.GetEmployeeAsync(connection, employeeId, cancellationToken).ConfigureAwait(false);
        return answer.Status switch
        {
            HrApiStatus.Found => FromEmployee(eventId, at, employeeId, type, answer.Employee),
            HrApiStatus.Gone => ProviderEvents.Gone(eventId, at, employeeId),
            _ => ProviderEvents.Refused(Name, connection.Id, employeeId, answer, $"the API key must be able to read the fields {BambooHrClient.Fields}"),
        };
    }

    /// <summary>
    /// <c>status</c> Inactive is a termination; an <c>employmentHistoryStatus</c> naming a leave (e.g. "Leave of
    /// Absence") is a leave; an active employee is hired on <c>employee.created</c> and updated otherwise.
    /// </summary>
    private static HrProviderRead FromEmployee(string eventId, DateTimeOffset at, string employeeId, string type, JsonElement fields)
    {
        var employee = new HrEmployee(employeeId, ProviderJson.Text(fields, "workEmail") ?? string.Empty)
        {
            FirstName = ProviderJson.Text(fields, "preferredName") ?? ProviderJson.Text(fields, "firstName"),
            LastName = ProviderJson.Text(fields, "lastName"),
            Department = ProviderJson.Text(fields, "department"),
            Title = ProviderJson.Text(fields, "jobTitle"),
            StartDate = ProviderJson.Date(ProviderJson.Text(fields, "hireDate")),
            TerminationDate = ProviderJson.Date(ProviderJson.Text(fields, "terminationDate")),
        };
        var lifecycle = string.Equals(ProviderJson.Text(fields, "status"), "Inactive", StringComparison.OrdinalIgnoreCase)
            ? HrEventType.Terminated
            : ProviderJson.Text(fields, "employmentHistoryStatus")?.Contains("leave", StringComparison.OrdinalIgnoreCase) == true
                ? HrEventType.OnLeave
                : type == BambooHrPayload.Created ? HrEventType.Hired : HrEventType.Updated;
        return ProviderEvents.FromState(new HrEvent(eventId, lifecycle, at, employee), Name, "workEmail");
    }
}
