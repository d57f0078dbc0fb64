using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;

namespace Scalekit.Webhooks.Hr.Providers.BambooHr;

/// <summary>Reads one employee from BambooHR: <c>GET {base}/{company_domain}/v1/employees/{id}?fields=…</c>, Basic auth with the API key.</summary>
public class BambooHrClient(IHttpClientFactory httpClients, IOptions<BambooHrOptions> options)
{
    public const string HttpClientName = "bamboohr";

    /// <summary>The fields read; fields the key cannot see are left out by BambooHR.</summary>
    public const string Fields = "workEmail,firstName,lastName,preferredName,department,jobTitle,status,hireDate,terminationDate,employmentHistoryStatus";

    public virtual async Task<HrApiAnswer> GetEmployeeAsync(HrConnection connection, string employeeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var url = new Uri(options.Value.BaseUrl, $"{Uri.EscapeDataString(connection.Field(BambooHrProvider.CompanyDomain)!)}/v1/employees/{Uri.EscapeDataString(employeeId)}?fields={Fields}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        // BambooHR takes the API key as the user name and ignores the password.
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.ApiCredential}:x")));
        return await HrApiCall.SendAsync(httpClients.CreateClient(HttpClientName), request, "BambooHR", cancellationToken).ConfigureAwait(false);
    }
}
