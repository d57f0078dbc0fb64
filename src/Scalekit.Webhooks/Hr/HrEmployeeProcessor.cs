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
/// event id, see <see cref="ConnectionEventId"/>), and nothing in the event can name another. The connection's provider
/// reads the event (completing a thin one from the HR system's API); then it takes the employee's sync lease (one event per employee at a time),
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

        if (ConnectionEventId.ConnectionOf(stamp.EventId) is not { } connectionId)
        {
            return ProcessingOutcome.Parked("This HR event arrived on the removed shared HR route, which names no connection; send it again on the customer's connection (docs/hr.md).");
        }

        if (await connections.ConnectionAsync(connectionId, cancellationToken).ConfigureAwait(false) is not { OrganizationId: { } organizationId } connection)
        {
            return ProcessingOutcome.Parked($"HR connection {connectionId} is no longer configured; its event acts on nothing.");
        }

        var read = await connections.ProviderOf(connection).ReadAsync(connection, payload, cancellationToken).ConfigureAwait(false);
        if (read.ParkedReason is { } parked)
        {
            return ProcessingOutcome.Parked(parked) with { OrganizationId = organizationId };
        }

        if (read.IgnoredReason is { } ignored)
        {
            return ProcessingOutcome.Ignored(ignored) with { OrganizationId = organizationId };
        }

        var employeeId = read.Event!.Employee.EmployeeId;
        var lease = await employees.AcquireAsync(organizationId, employeeId, cancellationToken).ConfigureAwait(false);
        try
        {
            var hrEvent = read.FromState ? Settle(read.Event, lease.Known) : read.Event;
            return await SyncAsync(hrEvent, connection, organizationId, lease, stamp, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await employees.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// An event a provider derived from the employee's state, settled against what was last recorded: an active
    /// employee last seen on leave has returned, one never seen (or seen terminated) is hired; a termination of an
    /// employee whose values are gone keeps the recorded email.
    /// </summary>
    internal static HrEvent Settle(HrEvent hrEvent, EmployeeRecord? known)
    {
        var type = hrEvent.Type switch
        {
            HrEventType.Hired or HrEventType.Updated when known?.Status == "on_leave" => HrEventType.Returned,
            HrEventType.Updated when known?.Status is null or "terminated" => HrEventType.Hired,
            var same => same,
        };
        var employee = hrEvent.Employee.Email.Length == 0 && known?.Email is { } email ? hrEvent.Employee with { Email = email } : hrEvent.Employee;
        return hrEvent with { Type = type, Employee = employee };
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
