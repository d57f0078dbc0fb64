using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr.Connections;

namespace Scalekit.Webhooks.Hr.Providers.HiBob;

/// <summary>Reads one employee from HiBob: <c>POST {base}/v1/people/{id}</c> with the fields wanted, as the connection's service user (Basic auth).</summary>
public class HiBobClient(IHttpClientFactory httpClients, IOptions<HiBobOptions> options)
{
    public const string HttpClientName = "hibob";

    /// <summary>The fields read, as HiBob names them.</summary>
    public static IReadOnlyList<string> Fields { get; } =
        ["root.email", "root.firstName", "root.surname", "work.department", "work.title", "work.startDate", "internal.lifecycleStatus", "internal.terminationDate", "internal.status"];

    public virtual async Task<HrApiAnswer> GetEmployeeAsync(HrConnection connection, string employeeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.BaseUrl, $"v1/people/{Uri.EscapeDataString(employeeId)}"))
        {
            Content = JsonContent.Create(new { fields = Fields, humanReadable = "REPLACE" }),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Field(HiBobProvider.ServiceUserId)}:{connection.ApiCredential}")));
        // A read, though HiBob takes it as a POST: repeating it is harmless.
        request.Options.Set(ApiResilience.SafeToRepeat, true);
        return await HrApiCall.SendAsync(httpClients.CreateClient(HttpClientName), request, "HiBob", cancellationToken).ConfigureAwait(false);
    }
}
