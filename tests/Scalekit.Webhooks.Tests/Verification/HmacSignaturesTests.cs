using System.Security.Cryptography;
using System.Text;
using Scalekit.Webhooks.Verification;

namespace Scalekit.Webhooks.Tests.Verification;

public class HmacSignaturesTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("a webhook secret");
    private static readonly byte[] Prefix = Encoding.UTF8.GetBytes("msg_1.1614265330.");
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"test\": 2432232314}");
    private static readonly byte[] PrefixedBody = [.. Prefix, .. Body];

    [Fact]
    public void Compute_TheSameKeyUnderBothAlgorithms_GivesEachAlgorithmsMac_EveryTime()
    {
        Span<byte> sha256 = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Span<byte> sha512 = stackalloc byte[HMACSHA512.HashSizeInBytes];

        // Twice each, interleaved: the second MAC of each algorithm comes from the thread's kept keyed instance.
        for (var round = 0; round < 2; round++)
        {
            HmacSignatures.Compute(Key, HashAlgorithmName.SHA256, Prefix, Body, sha256);
            HmacSignatures.Compute(Key, HashAlgorithmName.SHA512, default, Body, sha512);

            Assert.Equal(HMACSHA256.HashData(Key, PrefixedBody), sha256.ToArray());
            Assert.Equal(HMACSHA512.HashData(Key, Body), sha512.ToArray());
        }
    }

    [Fact]
    public void Compute_SeveralKeys_WritesOneSha256MacPerKey_InTheirOrder()
    {
        byte[][] keys = [Key, Encoding.UTF8.GetBytes("the previous secret")];
        Span<byte> macs = stackalloc byte[HmacSignatures.MacLength * keys.Length];

        HmacSignatures.Compute(keys, Prefix, Body, macs);

        Assert.Equal(HMACSHA256.HashData(keys[0], PrefixedBody), macs[..HmacSignatures.MacLength].ToArray());
        Assert.Equal(HMACSHA256.HashData(keys[1], PrefixedBody), macs[HmacSignatures.MacLength..].ToArray());
        Assert.True(HmacSignatures.MatchesAny(HMACSHA256.HashData(keys[1], PrefixedBody), macs));
    }
}
