using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.Operations;

namespace Scalekit.Webhooks.Http;

/// <summary>Records a change made through the operations API with the caller's address and a fingerprint of its key: one call per changing route.</summary>
public sealed class OpsAudit(AuditTrail trail, IOptions<RefusalThrottleOptions> throttle)
{
    /// <param name="context">The operations request.</param>
    /// <param name="action">What was done, e.g. <c>replay</c>, <c>erasure</c>.</param>
    /// <param name="target">What it was done to; never personal data.</param>
    /// <param name="outcome">What came of it, e.g. <c>replayed</c>, <c>not found</c>, counts.</param>
    /// <remarks>Written even when the caller has gone away meanwhile: the change happened.</remarks>
    public Task<AuditEntry> RecordAsync(HttpContext context, string action, string target, string outcome)
    {
        var (address, keyFingerprint) = CallerOf(context);
        return trail.RecordAsync(action, target, outcome, address, keyFingerprint, CancellationToken.None);
    }

    /// <summary>Who makes the request, as the audit trail records it: for work that is audited later (an erasure job).</summary>
    public (string Address, string KeyFingerprint) CallerOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return (ClientAddress.Of(context, throttle.Value.ForwardedForHops), AuditTrail.Fingerprint(OpsKey.Presented(context.Request)));
    }
}
