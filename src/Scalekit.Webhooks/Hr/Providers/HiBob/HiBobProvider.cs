using System.Text.Json;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.HiBob;

/// <summary>
/// HiBob connections: each company's webhook posts to its connection's own address, signed with its secret; the events
/// name the employee only, so each is completed from HiBob's API, as the connection's service user, when processed.
/// </summary>
public sealed class HiBobProvider(HiBobClient client, IOptions<HiBobOptions> options, IOptions<HrApiOptions> api, TimeProvider time) : IHrProvider
{
    public const string CompanyId = "company_id";
    public const string ServiceUserId = "service_user_id";
    private const string Name = "HiBob";

    public static HrProviderProfile Profile { get; } = new()
    {
        Name = "hibob",
        Label = Name,
        Fields =
        [
            new(CompanyId, HrFieldKind.Text, "HiBob's numeric companyId, which every delivery names") { Format = HrFieldFormat.Number, Label = "Company id" },
            new(ServiceUserId, HrFieldKind.Text, "the id of the HiBob service user the API is called as") { Format = HrFieldFormat.Text, Label = "Service user id" },
            new("service_user_token", HrFieldKind.ApiCredential, "the HiBob service user's token") { Label = "Service user token" },
            new("webhook_secret", HrFieldKind.WebhookSecret, "the secret HiBob shows for the webhook") { Label = "Webhook secret" },
        ],
        Provider = typeof(HiBobProvider),
        AddServices = (services, configuration) =>
        {
            services.AddIntegrationSettings<HiBobOptions, HiBobOptionsValidator>(settings => HiBobOptions.Bind(settings, configuration));
            services.TryAddSingleton<HiBobClient>();
            services.AddApiClient(HiBobClient.HttpClientName);
        },
        Samples = HiBobSamples.Deliveries,
    };

    HrProviderProfile IHrProvider.Profile => Profile;

    public string? SettingsProblem => api.Value.Problem ?? options.Value.Problem;

    public SourceConnection Ingest(HrConnection connection, HrIngestContext context)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var verifier = new HiBobVerifier(connection.Secrets, connection.SecretName);
        return new SourceConnection(connection.Id, verifier, null) { ReadDelivery = (body, _) => ValueTask.FromResult(HiBobPayload.Read(connection, body)) };
    }

    public async Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!HiBobPayload.TryReadThin(payload, out var employeeId, out var type, out var occurredAt))
        {
            return HrProviderRead.Parked("The stored HiBob event names no employee or no known type; it cannot be applied.");
        }

        var eventId = ProviderJson.ContentId(Profile.Name, payload.Span);
        var at = occurredAt ?? time.GetUtcNow();
        if (type is "employee.deleted" or "employee.left")
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
            _ => ProviderEvents.Refused(Name, connection.Id, employeeId, answer, "the service user's permission group must be able to view the employee's fields"),
        };
    }

    /// <summary>
    /// <c>lifecycleStatus</c> terminated is a termination and a leave is a leave; <c>employee.inactivated</c> without
    /// either is a leave (HiBob sends it for both); <c>employee.joined</c> and <c>employee.created</c> hire, the rest update.
    /// </summary>
    private static HrProviderRead FromEmployee(string eventId, DateTimeOffset at, string employeeId, string type, JsonElement fields)
    {
        var employee = new HrEmployee(employeeId, Field(fields, "root", "email") ?? string.Empty)
        {
            FirstName = Field(fields, "root", "firstName"),
            LastName = Field(fields, "root", "surname"),
            Department = Field(fields, "work", "department"),
            Title = Field(fields, "work", "title"),
            StartDate = ProviderJson.Date(Field(fields, "work", "startDate")),
            TerminationDate = ProviderJson.Date(Field(fields, "internal", "terminationDate")),
        };
        var lifecycle = Field(fields, "internal", "lifecycleStatus") ?? Field(fields, "internal", "status") ?? string.Empty;
        var state = lifecycle.Contains("terminated", StringComparison.OrdinalIgnoreCase) ? HrEventType.Terminated
            : lifecycle.Contains("leave", StringComparison.OrdinalIgnoreCase) || type == "employee.inactivated" ? HrEventType.OnLeave
            : type is "employee.joined" or "employee.created" ? HrEventType.Hired
            : HrEventType.Updated;
        return ProviderEvents.FromState(new HrEvent(eventId, state, at, employee), Name, "root.email");
    }

    /// <summary>A field HiBob may answer at the top (root fields) or under its category (<c>work.title</c>).</summary>
    private static string? Field(JsonElement fields, string category, string name) =>
        (category == "root" ? ProviderJson.Text(fields, name) : null) ?? ProviderJson.Text(fields, category, name);
}
