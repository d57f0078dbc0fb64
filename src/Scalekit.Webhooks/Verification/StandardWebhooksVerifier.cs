using System.Buffers;
using System.Text;

namespace Scalekit.Webhooks.Verification;

/// <summary>
/// Verifies Scalekit deliveries, which are signed with Standard Webhooks: HMAC-SHA256 over
/// <c>{webhook-id}.{webhook-timestamp}.{raw body}</c>, sent as a space-separated list of <c>v1,&lt;base64&gt;</c>.
/// Every configured secret is tried, so a secret can be rotated without downtime.
/// </summary>
public sealed class StandardWebhooksVerifier : IWebhookVerifier
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    /// <summary>How many secrets can be active at once (current plus previous ones during rotation).</summary>
    public const int MaxSecrets = HmacSignatures.MaxSecrets;

    /// <summary>Longest accepted <c>webhook-id</c>: it becomes part of a blob name and a ledger value.</summary>
    public const int MaxIdLength = 256;

    private const int MaxStackPrefix = 512;

    private readonly byte[][] _keys;
    private readonly TimeSpan _tolerance;
    private readonly TimeProvider _time;
    private readonly string _secretSetting;

    /// <param name="secrets">The sender's secrets, current first.</param>
    /// <param name="tolerance">How far the signed timestamp may be from now.</param>
    /// <param name="time">The clock.</param>
    /// <param name="secretSetting">The setting a signature mismatch tells the operator to check (each sender of this scheme has its own).</param>
    public StandardWebhooksVerifier(IReadOnlyList<StandardWebhookSecret> secrets, TimeSpan tolerance, TimeProvider time, string secretSetting = Ingest.IngestOptions.ScalekitSecretSetting)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(secrets.Count, MaxSecrets);
        _keys = [.. secrets.Select(secret => secret.Key)];
        _tolerance = tolerance;
        _time = time;
        _secretSetting = secretSetting;
    }

    /// <summary>
    /// The checks that need no body: all three headers present, the id at most <see cref="MaxIdLength"/> characters,
    /// the timestamp parsable and within the tolerance. The ingest path runs these before it reads the body.
    /// </summary>
    public VerificationResult CheckHeaders(WebhookHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var id = headers[IdHeader];
        var timestamp = headers[TimestampHeader];
        var signatures = headers[SignatureHeader];
        if (id is null || timestamp is null || signatures is null)
        {
            return VerificationResult.Reject(WebhookRejection.MissingHeaders,
                $"Missing required headers: {string.Join(", ", MissingNames(id, timestamp, signatures))}.");
        }

        if (id.Length > MaxIdLength)
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders,
                $"Invalid Signature Headers: webhook-id is {id.Length} characters long; at most {MaxIdLength} are accepted.");
        }

        if (!SignedTimestamp.TryParse(timestamp, out var unixSeconds))
        {
            return VerificationResult.Reject(WebhookRejection.MalformedHeaders,
                "Invalid Signature Headers: webhook-timestamp must be an integer number of Unix seconds.");
        }

        return SignedTimestamp.Check(unixSeconds, _tolerance, _time);
    }

    /// <summary>Checks headers, timestamp and signature of <paramref name="body"/> exactly as received.</summary>
    public VerificationResult Verify(ReadOnlySpan<byte> body, WebhookHeaders headers)
    {
        var headerCheck = CheckHeaders(headers);
        if (!headerCheck.IsVerified)
        {
            return headerCheck;
        }

        return AnySignatureMatches(headers[IdHeader]!, headers[TimestampHeader]!, body, headers[SignatureHeader]!)
            ? VerificationResult.Verified
            : VerificationResult.Reject(WebhookRejection.InvalidSignature,
                $"Invalid Signature: no v1 signature in webhook-signature matches a configured {_secretSetting}.");
    }

    private bool AnySignatureMatches(string id, string timestamp, ReadOnlySpan<byte> body, string signatureHeader)
    {
        Span<byte> expected = stackalloc byte[HmacSignatures.MacLength * _keys.Length];
        var prefixLength = Encoding.UTF8.GetByteCount(id) + Encoding.UTF8.GetByteCount(timestamp) + 2;
        byte[]? rented = prefixLength > MaxStackPrefix ? ArrayPool<byte>.Shared.Rent(prefixLength) : null;
        try
        {
            var prefix = rented is null ? stackalloc byte[prefixLength] : rented.AsSpan(0, prefixLength);
            var written = Encoding.UTF8.GetBytes(id, prefix);
            prefix[written++] = (byte)'.';
            written += Encoding.UTF8.GetBytes(timestamp, prefix[written..]);
            prefix[written] = (byte)'.';
            HmacSignatures.Compute(_keys, prefix, body, expected);
            return MatchesAny(signatureHeader, expected);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool MatchesAny(ReadOnlySpan<char> header, ReadOnlySpan<byte> expectedMacs)
    {
        Span<byte> candidate = stackalloc byte[HmacSignatures.MacLength];
        foreach (var range in header.Split(' '))
        {
            var item = header[range];
            var comma = item.IndexOf(',');
            if (comma < 0 || !item[..comma].SequenceEqual("v1"))
            {
                continue;
            }

            // An item that does not decode to exactly 32 bytes is simply not a match.
            if (Convert.TryFromBase64Chars(item[(comma + 1)..], candidate, out var length) && length == HmacSignatures.MacLength
                && HmacSignatures.MatchesAny(candidate, expectedMacs))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<string> MissingNames(string? id, string? timestamp, string? signature)
    {
        if (id is null)
        {
            yield return IdHeader;
        }

        if (timestamp is null)
        {
            yield return TimestampHeader;
        }

        if (signature is null)
        {
            yield return SignatureHeader;
        }
    }
}
