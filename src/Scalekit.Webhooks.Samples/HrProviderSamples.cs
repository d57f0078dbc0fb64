using System.Text;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Hr.Providers;

namespace Scalekit.Webhooks.Samples;

/// <summary>Deliveries to an HR connection, shaped and signed as its HR system sends them (each provider's samples live in its folder).</summary>
public static class HrProviderSamples
{
    /// <summary>
    /// A <paramref name="type"/> delivery to <paramref name="connection"/>: the route id to post to
    /// (<c>/api/webhooks/hr/{route}</c>), the body and the signature headers, signed with <paramref name="secret"/>
    /// (the connection's webhook key, or its provider's app-wide key).
    /// </summary>
    public static (string Route, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers) Delivery(HrConnection connection, string type, SampleOptions options, string secret, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        var profile = HrProviders.Find(connection.Provider);
        if (profile?.Samples is not { } samples)
        {
            var body = Encoding.UTF8.GetBytes(HrSamples.Create(type, options).ToJsonString());
            return (connection.Id, body, WebhookSigner.SignScalekit(body, secret, SampleIds.New("msg_"), now));
        }

        var delivery = samples.Body(options.ToHrSample(type), connection);
        return (profile.SharedRoute ?? connection.Id, delivery, samples.Sign(delivery, secret, now));
    }

    /// <summary>The sample types of <paramref name="profile"/>'s deliveries.</summary>
    public static IReadOnlyList<string> TypesOf(HrProviderProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return profile.Samples?.Types ?? HrSamples.Types;
    }
}
