using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>
/// BambooHR connections: each webhook posts to its connection's own address, signed with its private key; the events
/// name the employee only, so each is completed from BambooHR's API when it is processed.
/// </summary>
public sealed class BambooHrProvider(BambooHrClient client, IOptions<BambooHrOptions> options, TimeProvider time) : IHrProvider
{
    public const string Name = "BambooHR";

    public HrProvider Provider => HrProvider.BambooHr;

    public SourceConnection Ingest(HrConnection connection, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var verifier = new BambooHrVerifier(connection.Secrets, tolerance, time, connection.SecretName);
        return new SourceConnection(connection.Id, verifier, null) { ReadDelivery = body => BambooHrPayload.Split(connection, body) };
    }

    public async Task<HrProviderRead> ReadAsync(HrConnection connection, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!BambooHrPayload.TryReadThin(payload, out var employeeId, out var type, out var occurredAt))
        {
            return HrProviderRead.Parked("The stored BambooHR event names no employee or no known type; it cannot be applied.");
        }

        var eventId = ProviderJson.ContentId("bamboohr", payload.Span);
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
        return ProviderEvents.FromState(Name, eventId, at, employee, lifecycle, "workEmail");
    }
}
