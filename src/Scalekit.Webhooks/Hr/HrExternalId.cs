namespace Scalekit.Webhooks.Hr;

/// <summary>
/// The Scalekit <c>external_id</c> of an HR employee: <c>hr:{connection}:{employee id}</c>. External ids are one value
/// per Scalekit environment, so two customers' employee <c>1001</c> must be two ids; and because every HR id starts with
/// <c>hr:</c>, no HR event can name a user the product created otherwise (an onboarding admin's <c>{customer}_admin</c>).
/// </summary>
public static class HrExternalId
{
    public const string Prefix = "hr:";

    /// <summary>Scalekit takes external ids of up to 510 characters in paths; connection (40) and employee ids (255) stay well within.</summary>
    public const int MaxLength = 510;

    public static string For(string connection, string employeeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(connection);
        ArgumentException.ThrowIfNullOrEmpty(employeeId);
        return $"{Prefix}{connection}:{employeeId}";
    }
}
