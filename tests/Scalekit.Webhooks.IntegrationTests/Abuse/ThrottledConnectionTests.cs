using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr.Connections;
using Scalekit.Webhooks.Ingest;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Samples;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;
using Xunit.Abstractions;

namespace Scalekit.Webhooks.IntegrationTests.Abuse;

/// <summary>
/// A host behind a front end (the client is the last X-Forwarded-For entry, so each test has an address of its own)
/// with a budget of 3 refusals, throttled counts written every second, and every request to the refused-deliveries
/// table counted.
/// </summary>
public sealed class ThrottledConnectionHostFixture : LocalHostFixture
{
    public const int Limit = 3;

    public string SecretsPath { get; } = Path.Combine(Path.GetTempPath(), "skfn-hr-secrets-" + Guid.NewGuid().ToString("N"));

    /// <summary>Writes (anything but a read) to the <c>HrConnectionRefusals</c> table since the last <see cref="TableWrites.Take"/>.</summary>
    public TableWrites RefusalWrites { get; } = new(StorageNames.HrConnectionRefusalsTable);

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        [RefusalThrottleOptions.LimitSetting] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [RefusalThrottleOptions.ForwardedForHopsSetting] = "1",
        [RefusalThrottleOptions.ThrottledFlushSetting] = "1",
        [HrSecretOptions.DevelopmentPathSetting] = SecretsPath,
        ["MERGE_WEBHOOK_SIGNATURE_KEY"] = "merge-signature-key",
    };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton(provider =>
        {
            var clients = StorageClients.Create(provider.GetRequiredService<IOptions<StorageAccountOptions>>().Value, StorageRetry.Default);
            var tableOptions = new TableClientOptions();
            tableOptions.AddPolicy(RefusalWrites, HttpPipelinePosition.PerRetry);
            return new StorageClients(clients.Queues, clients.Blobs, new TableServiceClient(Storage.ConnectionString, tableOptions), clients.LedgerTables);
        });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(SecretsPath))
        {
            Directory.Delete(SecretsPath, recursive: true);
        }
    }
}

/// <summary>Counts the requests that change one table, as they go out.</summary>
public sealed class TableWrites(string table) : HttpPipelinePolicy
{
    private int _count;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        ProcessNext(message, pipeline);
    }

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Count(message.Request);
        return ProcessNextAsync(message, pipeline);
    }

    /// <summary>The writes since the last call, and a fresh start.</summary>
    public int Take() => Interlocked.Exchange(ref _count, 0);

    private void Count(Request request)
    {
        if (request.Method != RequestMethod.Get && request.Uri.Path.Contains(table, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _count);
        }
    }
}

/// <summary>Deliveries the refusal throttle answers 429, in a connection's figures: counted in memory, written every few seconds.</summary>
public class ThrottledConnectionTests(ThrottledConnectionHostFixture host, ITestOutputHelper output) : IClassFixture<ThrottledConnectionHostFixture>
{
    private const string Connections = "/api/ops/hr/connections";
    private const int Burst = 200;

    [Fact]
    public async Task ABurstPastTheThrottle_ShowsAsThrottledOnItsConnectionAlone_WithAFewTableWritesNotOnePerRequest()
    {
        var throttled = await CreateAsync();
        var other = await CreateAsync();
        var (unknown, undefined) = (HrConnectionIds.New(), "nobody");
        const string client = "203.0.113.10";
        for (var i = 0; i < ThrottledConnectionHostFixture.Limit; i++)
        {
            Assert.Equal(HttpStatusCode.BadRequest, await PostAsync(throttled, client));
        }

        host.RefusalWrites.Take();

        var started = Stopwatch.StartNew();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Concurrently.ForEachIndexAsync(0, Burst, 8, async (_, i) =>
        {
            statuses.Add(await PostAsync(throttled, client));
            if (i % 10 == 0)
            {
                // Ids no connection has, of the stored shape and of none: throttled alike, never counted.
                statuses.Add(await PostAsync(unknown, client));
                statuses.Add(await PostAsync(undefined, client));
            }
        });
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.TooManyRequests, status));

        var figures = await WaitForAsync(async () => await DeliveriesAsync(throttled) is var shown && shown["throttled"]!.GetValue<long>() >= Burst ? shown : null);
        var elapsed = started.Elapsed;
        var writes = host.RefusalWrites.Take();
        output.WriteLine($"{statuses.Count} throttled deliveries, {writes} writes to {StorageNames.HrConnectionRefusalsTable} in {elapsed.TotalSeconds:F1} s");

        Assert.Equal(Burst, figures["throttled"]!.GetValue<long>());
        Assert.NotNull(figures["last_throttled_at"]);
        Assert.Equal(ThrottledConnectionHostFixture.Limit, figures["refused_by_reason"]!.AsObject().Sum(reason => reason.Value!.GetValue<long>()));
        // At most one write per flush (every second) that had counts waiting, whatever the number of requests.
        Assert.InRange(writes, 1, (int)Math.Ceiling(elapsed.TotalSeconds) + 1);

        var others = await DeliveriesAsync(other);
        Assert.Equal(0, others["throttled"]!.GetValue<long>());
        Assert.Null(others["last_throttled_at"]);
        var refusals = host.Host.Services.GetRequiredService<HrConnectionRefusals>();
        Assert.Empty((await refusals.ReadAsync(unknown)).ByReason);
        Assert.Equal(0, (await refusals.ReadAsync(unknown)).Throttled);
        Assert.Equal(0, (await refusals.ReadAsync(undefined)).Throttled);
    }

    [Fact]
    public async Task MergesSharedRouteRefusals_AreListedUnderSharedRoutes_WithItsThrottledDeliveries_AndOnNoConnection()
    {
        var connection = await CreateAsync();
        const string client = "203.0.113.20";
        var before = await MergeRouteAsync();
        for (var i = 0; i < ThrottledConnectionHostFixture.Limit; i++)
        {
            // Unsigned: refused before a connection is chosen.
            var status = await PostAsync("merge", client);
            Assert.True(status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized, $"answered {status}");
        }

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, await PostAsync("merge", client));
        }

        var merge = await WaitForAsync(async () => await MergeRouteAsync() is var shown && shown["throttled"]!.GetValue<long>() >= Throttled(before) + 10 ? shown : null);

        Assert.Equal("/api/webhooks/hr/merge", merge["webhook_path"]!.GetValue<string>());
        Assert.Equal(Refused(before) + ThrottledConnectionHostFixture.Limit, Refused(merge));
        Assert.Equal(Throttled(before) + 10, Throttled(merge));
        Assert.NotNull(merge["last_refused_at"]);
        var figures = await DeliveriesAsync(connection);
        Assert.Empty(figures["refused_by_reason"]!.AsObject());
        Assert.Equal(0, figures["throttled"]!.GetValue<long>());
    }

    private static long Refused(JsonObject route) => route["refused_by_reason"]!.AsObject().Sum(reason => reason.Value!.GetValue<long>());

    private static long Throttled(JsonObject route) => route["throttled"]!.GetValue<long>();

    private async Task<JsonObject> MergeRouteAsync()
    {
        using var response = await host.OpsAsync(HttpMethod.Get, $"{Connections}?pageSize=10");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.DoesNotContain(page["items"]!.AsArray(), item => item!["id"]!.GetValue<string>() == "merge");
        return page["shared_routes"]!.AsArray().Single(route => route!["route"]!.GetValue<string>() == "merge")!.AsObject();
    }

    /// <summary>An unsigned delivery on <paramref name="connection"/>'s address from <paramref name="client"/>.</summary>
    private async Task<HttpStatusCode> PostAsync(string connection, string client)
    {
        using var response = await host.Client.PostAsync($"hr/{connection}", "{}", [new("X-Forwarded-For", client)]);
        return response.StatusCode;
    }

    private async Task<string> CreateAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Connections)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { organization_id = SampleIds.New("org_"), provider = "generic" }), Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("x-functions-key", host.OpsKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    private async Task<JsonObject> DeliveriesAsync(string connection)
    {
        using var response = await host.OpsAsync(HttpMethod.Get, $"{Connections}/{connection}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!["deliveries"]!.AsObject();
    }

    /// <summary>Polls until <paramref name="read"/> gives a value (the counts are written every second), for at most 20 s.</summary>
    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> read)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (await read() is { } value)
            {
                return value;
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(20), "the throttled counts were not written within 20 s");
            await Task.Delay(200);
        }
    }
}
