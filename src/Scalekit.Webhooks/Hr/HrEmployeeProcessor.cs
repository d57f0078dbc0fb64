using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Hr;

/// <summary>
/// Applies one HR event: its organization is the one of the connection it arrived on (the connection's id leads the
/// event id, see <see cref="ConnectionEventId"/>), and nothing in the event can name another; then it takes the employee's sync lease (one event per employee at a time),
/// skips an event older than the last one applied to the employee, syncs the Scalekit user and records the employee. Errors Scalekit will repeat (400/403/404, limits, no
/// organization) are parked with the reason; transient ones throw so the queue retries.
/// </summary>
public sealed class HrEmployeeProcessor(HrConnections connections, EmployeeStore employees, HrUserSync sync, IOptions<ScalekitOptions> scalekit, IOptions<HrOptions> hr) : IEventProcessor
{
    public async Task<ProcessingOutcome> ProcessAsync(ReadOnlyMemory<byte> payload, JsonElement root, EventStamp stamp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stamp);
        if (scalekit.Value.CredentialsProblem is { } credentials)
        {
            // Parked with the reason, so it can be replayed once the settings are fixed; never a silent dry run.
            return ProcessingOutcome.Parked(credentials);
        }

        if (hr.Value.Problem is { } settings)
        {
            return ProcessingOutcome.Parked($"The HR sync is off: {settings}");
        }

        if (!HrEvent.TryParse(payload, out var hrEvent, out var problem))
        {
            return ProcessingOutcome.Parked($"The HR event is invalid: {problem}.");
        }

        var employee = hrEvent!.Employee;
        if (ConnectionEventId.ConnectionOf(stamp.EventId) is not { } connectionId)
        {
            return ProcessingOutcome.Parked($"Employee {employee.EmployeeId}'s event arrived on the removed shared HR route, which names no connection; send it again on the customer's connection (docs/hr.md).");
        }

        if (await connections.ConnectionAsync(connectionId, cancellationToken).ConfigureAwait(false) is not { OrganizationId: { } organizationId } connection)
        {
            return ProcessingOutcome.Parked($"HR connection {connectionId} is no longer configured; employee {employee.EmployeeId}'s event acts on nothing.");
        }

        if (HrConnections.ContentProblem(connection, payload) is { } refused)
        {
            return ProcessingOutcome.Parked(refused) with { OrganizationId = organizationId };
        }

        var lease = await employees.AcquireAsync(organizationId, employee.EmployeeId, cancellationToken).ConfigureAwait(false);
        try
        {
            return await SyncAsync(hrEvent, connection, organizationId, lease, stamp, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await employees.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<ProcessingOutcome> SyncAsync(HrEvent hrEvent, HrConnection connection, string organizationId, EmployeeLease lease, EventStamp stamp, CancellationToken cancellationToken)
    {
        var known = lease.Known;
        var employee = hrEvent.Employee;
        if (known?.LastEvent is { } last && last > stamp)
        {
            return ProcessingOutcome.Stale($"employee {employee.EmployeeId} already reflects the newer event {last.EventId} ({last.EventType})") with { OrganizationId = organizationId };
        }

        HrSyncResult result;
        try
        {
            result = await sync.SyncAsync(hrEvent, organizationId, HrExternalId.For(connection.Id, employee.EmployeeId), known, cancellationToken).ConfigureAwait(false);
        }
        catch (ScalekitApiException ex) when (!ex.IsTransient)
        {
            await employees.RecordFailureAsync(organizationId, employee.EmployeeId, ex.Message, cancellationToken).ConfigureAwait(false);
            return ProcessingOutcome.Parked($"Scalekit refused the {hrEvent.TypeName} sync of employee {employee.EmployeeId}: {ex.Message}") with { OrganizationId = organizationId };
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await employees.RecordFailureAsync(organizationId, employee.EmployeeId, $"{ex.GetType().Name}: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (result.IsRefused)
        {
            await employees.RecordFailureAsync(organizationId, employee.EmployeeId, result.Detail, cancellationToken).ConfigureAwait(false);
            return ProcessingOutcome.Parked(result.Detail) with { OrganizationId = organizationId };
        }

        var record = new EmployeeRecord(organizationId, employee.EmployeeId)
        {
            Email = employee.Email,
            ScalekitUserId = result.UserId ?? known?.ScalekitUserId,
            Status = StatusAfter(hrEvent, known),
            Department = employee.Department ?? known?.Department,
            Title = employee.Title ?? known?.Title,
            MembershipRemoved = result.MembershipRemoved,
            LastSyncResult = result.Result,
            LastSyncDetail = result.Detail,
        };
        await employees.SaveAsync(lease, record, stamp, cancellationToken).ConfigureAwait(false);
        return ProcessingOutcome.Applied($"{result.Result} (connection {connection.Id}): {result.Detail}") with { OrganizationId = organizationId };
    }

    private static string? StatusAfter(HrEvent hrEvent, EmployeeRecord? known) => hrEvent.Type switch
    {
        HrEventType.Hired or HrEventType.Returned => "active",
        HrEventType.OnLeave => "on_leave",
        HrEventType.Terminated => "terminated",
        _ => hrEvent.Employee.Status ?? known?.Status ?? "active",
    };
}
