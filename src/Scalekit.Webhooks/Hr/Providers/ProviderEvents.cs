namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>Builds the lifecycle event a provider's employee state stands for.</summary>
internal static class ProviderEvents
{
    /// <summary>The employee no longer exists in the HR system (deleted, or the API answers 404): a termination.</summary>
    public static HrProviderRead Gone(string eventId, DateTimeOffset at, string employeeId) =>
        HrProviderRead.Named(new HrEvent(eventId, HrEventType.Terminated, at, new HrEmployee(employeeId, string.Empty) { Status = "terminated" }));

    /// <summary>
    /// The event of an employee in the state <paramref name="state"/>'s type says (hired, updated, on leave or
    /// terminated); one still working needs a work email, <paramref name="emailField"/> names where <paramref name="provider"/> gives it.
    /// </summary>
    public static HrProviderRead FromState(HrEvent state, string provider, string emailField)
    {
        var employee = state.Employee;
        if (state.Type != HrEventType.Terminated && string.IsNullOrEmpty(employee.Email))
        {
            return HrProviderRead.Parked($"{provider} employee {employee.EmployeeId} has no work email ({emailField}) this connection can read; give it one (or give the connection's credential access to the field), then replay.");
        }

        var status = state.Type switch
        {
            HrEventType.OnLeave => "on_leave",
            HrEventType.Terminated => "terminated",
            _ => "active",
        };
        return HrProviderRead.State(state with { Employee = employee with { Status = status } });
    }

    /// <summary>Why an employee request refused with <paramref name="answer"/> parks the event.</summary>
    public static HrProviderRead Refused(string provider, string connection, string employeeId, HrApiAnswer answer, string permission) =>
        HrProviderRead.Parked(answer.Status == HrApiStatus.Denied
            ? $"{provider} answered {answer.StatusCode} to the request for employee {employeeId}: connection {connection}'s credential lacks permission ({permission}). Fix it in {provider}, then replay."
            : $"{provider} answered {answer.StatusCode} to the request for employee {employeeId}; the request will not succeed as it is.");
}
