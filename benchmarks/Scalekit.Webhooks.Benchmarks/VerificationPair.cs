namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// One verifier and the bare HMAC of the same bytes it is measured against; the category is the sender's scheme
/// (scalekit, stripe, bamboohr, hibob or merge).
/// </summary>
public sealed record VerificationPair(string Category, string Verifier, Action Baseline, Action Candidate);
