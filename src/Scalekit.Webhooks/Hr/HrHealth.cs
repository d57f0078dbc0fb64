using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Operations;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Stripe;

namespace Scalekit.Webhooks.Hr;

/// <summary>Health of the HR → Scalekit user sync, read from the HR events in the event ledger.</summary>
public sealed class HrHealth(EventLedgerQueries ledger, IOptions<ScalekitOptions> scalekit) : IIntegrationHealth
{
    public Task<IntegrationHealthReport> ReadAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        BillingHealth.ReadLedgerAsync(ledger, scalekit.Value, HrSource.Profile, since, cancellationToken);
}
