using System.Text;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Testing;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>A host that never throttles, so every mutated delivery runs the whole ingest path.</summary>
public sealed class UnthrottledHostFixture : LocalHostFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { [RefusalThrottleOptions.LimitSetting] = "0" };
}

/// <summary>Property: whatever is done to a signed delivery's body and headers, and whether or not it is signed again afterwards, the answer is never a 5xx.</summary>
public class MutatedDeliveryTests(UnthrottledHostFixture host, ITestOutputHelper output) : IClassFixture<UnthrottledHostFixture>
{
    private static readonly string[] Fragments =
    [
        "\\ud800", "\\udfff", "\\u0000", "\\", "\"", "{", "}", "[", "]", ",", ":", "1e999", "-0", "null", "true", "\u00e9", "\ud83d\ude00",
        "{\"id\":1}", "[[[[[[[[", new string('x', 3_000), "\\u00", "\\ud800\\ud800", "/", "#", "?", "..",
    ];

    private static readonly string[] IdValues =
    [
        "1", "{}", "[]", "null", "true", "\"\"", "\" \"", "\"evt_\\ud800\"", $"\"{new string('i', 300)}\"", $"\"{new string('/', 256)}\"",
        "\"..\"", "\".\"", "\"evt_\\u0000\"", "\"evt_#?\\\\/\"", "1.5e300", "\"evt_\\ud83d\\ude00\"",
    ];

    private static readonly string[] HeaderValues =
    [
        "", " ", "0", "-1", "99999999999999999999999", "1e9", "v1,", "v1,====", "t=,v1=", "t=1,v1=zz", new string('9', 300),
        new string('w', 5_000), "msg_~!*()", "a b c", "v2,abc v1,abc", "t=1700000000", ",,,,", "\t1\t",
    ];

    [Fact]
    public async Task RandomlyMutatedDeliveries_AreNeverAnswered5xx()
    {
        const int Seed = 131_313;
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        await Concurrently.ForEachIndexAsync(0, 600, 4, async (_, i) =>
        {
            var random = new Random(Seed + i);
            var (source, body, headers, what) = Mutate(random);
            using var response = await host.Client.PostAsync(source, body, headers);
            lock (statuses)
            {
                statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
                if ((int)response.StatusCode >= 500)
                {
                    failures.Add($"case {i} ({what}): {(int)response.StatusCode}");
                }
            }
        });

        output.WriteLine($"seed {Seed}: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(statuses.Keys.Count >= 3, "the mutations should reach several different answers");
    }

    private (string Source, byte[] Body, List<KeyValuePair<string, string>> Headers, string What) Mutate(Random random)
    {
        var scalekit = random.Next(2) == 0;
        var options = new SampleOptions { OccurredAt = Deliveries.Now, EventId = SampleIds.New("evt_") };
        var text = scalekit
            ? ScalekitSamples.Create(ScalekitSamples.Types[random.Next(ScalekitSamples.Types.Count)], options).ToJsonString()
            : StripeSamples.Create(StripeSamples.Types[random.Next(StripeSamples.Types.Count)], options).ToJsonString();
        var what = new List<string>();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            switch (random.Next(5))
            {
                case 0:
                    var at = random.Next(text.Length);
                    var fragment = Fragments[random.Next(Fragments.Length)];
                    text = text.Insert(at, fragment);
                    what.Add($"insert {Shorten(fragment)} at {at}");
                    break;
                case 1:
                    var start = random.Next(text.Length);
                    var length = random.Next(0, Math.Min(40, text.Length - start));
                    text = text.Remove(start, length);
                    what.Add($"remove {length} at {start}");
                    break;
                case 2:
                    var value = IdValues[random.Next(IdValues.Length)];
                    var field = new[] { "id", "type", "organization_id", "occurred_at", "created", "livemode", "api_version" }[random.Next(7)];
                    text = System.Text.RegularExpressions.Regex.Replace(text, $"\"{field}\":(\"[^\"]*\"|[^,}}]+)", $"\"{field}\":{value.Replace("$", "$$", StringComparison.Ordinal)}", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1));
                    what.Add($"{field}={Shorten(value)}");
                    break;
                case 3:
                    var inner = new[] { "\"id\":", "\"user\":", "\"email\":", "\"customer\":", "\"metadata\":" }[random.Next(5)];
                    var index = text.IndexOf(inner, random.Next(text.Length / 2), StringComparison.Ordinal);
                    if (index >= 0)
                    {
                        var replacement = IdValues[random.Next(IdValues.Length)];
                        var valueStart = index + inner.Length;
                        var valueEnd = text.IndexOfAny([',', '}'], valueStart);
                        text = string.Concat(text.AsSpan(0, valueStart), replacement, text.AsSpan(valueEnd < 0 ? text.Length : valueEnd));
                        what.Add($"nested {inner}{Shorten(replacement)}");
                    }

                    break;
                default:
                    what.Add("body unchanged");
                    break;
            }
        }

        var body = Encoding.UTF8.GetBytes(text);
        var webhookId = random.Next(4) == 0 ? HeaderValues[random.Next(HeaderValues.Length)] : SampleIds.New("msg_");
        var headers = (scalekit
            ? WebhookSigner.SignScalekit(body, host.ScalekitSecret, webhookId.Length == 0 ? "msg_" : webhookId, Deliveries.SigningTime)
            : [WebhookSigner.SignStripe(body, host.StripeSecret, Deliveries.SigningTime)]).ToList();
        if (random.Next(3) == 0)
        {
            // Tamper after signing: the signature no longer matches, or a header is gone or garbled.
            var victim = random.Next(headers.Count);
            switch (random.Next(3))
            {
                case 0:
                    what.Add($"drop {headers[victim].Key}");
                    headers.RemoveAt(victim);
                    break;
                case 1:
                    var garbage = HeaderValues[random.Next(HeaderValues.Length)];
                    what.Add($"{headers[victim].Key}={Shorten(garbage)}");
                    headers[victim] = new(headers[victim].Key, garbage);
                    break;
                default:
                    what.Add("body changed after signing");
                    body = [.. body, (byte)' ', (byte)'x'];
                    break;
            }
        }

        return (scalekit ? "scalekit" : "stripe", body, headers, string.Join("; ", what));
    }

    private static string Shorten(string text) => text.Length > 24 ? $"{text[..12]}…({text.Length})" : text;
}
