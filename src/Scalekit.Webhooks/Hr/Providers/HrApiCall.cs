using System.Net;
using System.Text.Json;
using Polly.Timeout;

namespace Scalekit.Webhooks.Hr.Providers;

/// <summary>How an HR system's API answered a request for one employee.</summary>
public enum HrApiStatus
{
    Found,

    /// <summary>404: the employee no longer exists there.</summary>
    Gone,

    /// <summary>401 or 403: the connection's credential may not read the employee.</summary>
    Denied,

    /// <summary>Another 4xx: the request will never succeed as it is.</summary>
    Refused,
}

/// <summary>An HR API's answer: the employee's JSON when found.</summary>
public sealed record HrApiAnswer(HrApiStatus Status, int StatusCode, JsonElement Employee);

/// <summary>Sends one employee request to an HR system's API and sorts the answer: found, gone, denied, or thrown as transient.</summary>
internal static class HrApiCall
{
    public static async Task<HrApiAnswer> SendAsync(HttpClient http, HttpRequestMessage request, string provider, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new HrProviderApiException(provider, null, null, $"{provider} API did not answer ({ex.GetType().Name}); the event is retried later.", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotFound:
                    return new HrApiAnswer(HrApiStatus.Gone, status, default);
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    return new HrApiAnswer(HrApiStatus.Denied, status, default);
                case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError:
                    var retryAfter = response.Headers.RetryAfter?.Delta;
                    throw new HrProviderApiException(provider, response.StatusCode, retryAfter,
                        $"{provider} API answered {status}{(retryAfter is { } wait ? $" (Retry-After {wait.TotalSeconds:0} s)" : string.Empty)}; the event is retried later.");
                case < HttpStatusCode.OK or >= HttpStatusCode.BadRequest:
                    return new HrApiAnswer(HrApiStatus.Refused, status, default);
            }

            try
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                using var document = JsonDocument.Parse(body);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? new HrApiAnswer(HrApiStatus.Found, status, document.RootElement.Clone())
                    : throw new JsonException("not an object");
            }
            catch (JsonException)
            {
                throw new HrProviderApiException(provider, response.StatusCode, null, $"{provider} API answered {status} with a body that is not a JSON object; the event is retried later.");
            }
        }
    }
}
