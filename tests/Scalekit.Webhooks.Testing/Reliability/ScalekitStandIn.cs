using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Scalekit.Webhooks.Testing.Reliability;

/// <summary>
/// A stateful WireMock stand-in for Scalekit's API: organizations keep the metadata and features they are patched
/// with, and a share of calls fails with 500, 429 (Retry-After: 1) or answers too late. It records every metadata
/// PATCH by its <c>Idempotency-Key</c> (the id of the event whose state it carries) and whether it changed the stored
/// map, so an audit can tell a change applied twice (an effect) from a repeated write of the same map (none).
/// </summary>
public sealed class ScalekitStandIn : IDisposable
{
    private readonly ConcurrentDictionary<string, Organization> _byExternalId = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _metadataPatches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _metadataChanges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _metadataHistory = new(StringComparer.Ordinal);
    private int _patchSequence;
    private readonly double _serverErrorRate;
    private readonly double _throttleRate;
    private readonly double _slowRate;
    private readonly TimeSpan _slowDelay;
    private readonly Random _random;
    private readonly object _randomLock = new();

    public ScalekitStandIn(double serverErrorRate, double throttleRate, double slowRate, TimeSpan slowDelay, int seed)
    {
        _serverErrorRate = serverErrorRate;
        _throttleRate = throttleRate;
        _slowRate = slowRate;
        _slowDelay = slowDelay;
        _random = new Random(seed);
        Server = WireMockServer.Start();
        Server.Given(Request.Create().WithPath("/oauth/token").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(200).WithBodyAsJson(new { access_token = "soak-token", token_type = "Bearer", expires_in = 3600 }));
        Server.Given(Request.Create().WithPath("/api/*").UsingAnyMethod()).RespondWith(Response.Create().WithCallback(Handle));
    }

    public WireMockServer Server { get; }

    public string Url => Server.Url!;

    /// <summary>Metadata PATCHes per "customer|idempotency key", whether or not they changed anything.</summary>
    public IReadOnlyDictionary<string, int> MetadataPatches => _metadataPatches;

    /// <summary>Metadata PATCHes that changed the stored map, per "customer|idempotency key"; above 1 is a duplicated effect.</summary>
    public IReadOnlyDictionary<string, int> MetadataChanges => _metadataChanges;

    /// <summary>The organization's metadata now, or null when there is no organization for <paramref name="customerId"/>.</summary>
    public IReadOnlyDictionary<string, string>? MetadataOf(string customerId)
    {
        if (!_byExternalId.TryGetValue(customerId, out var organization))
        {
            return null;
        }

        lock (organization)
        {
            return new Dictionary<string, string>(organization.Metadata, StringComparer.Ordinal);
        }
    }

    /// <summary>The organization's features now, or null when there is no organization for <paramref name="customerId"/>.</summary>
    public IReadOnlyDictionary<string, bool>? FeaturesOf(string customerId)
    {
        if (!_byExternalId.TryGetValue(customerId, out var organization))
        {
            return null;
        }

        lock (organization)
        {
            return new Dictionary<string, bool>(organization.Features, StringComparer.Ordinal);
        }
    }

    /// <summary>
    /// Every metadata PATCH of <paramref name="customerId"/>'s organization in the order it was applied: its number
    /// among all PATCHes, its Idempotency-Key, the <c>last_billing_update</c> it replaced and set, whether it changed
    /// the map, and how long after the request was received it was applied (a request applied after the sender's
    /// attempt timeout had given up on it lands late).
    /// </summary>
    public IReadOnlyList<string> MetadataHistoryOf(string customerId) =>
        _metadataHistory.TryGetValue(customerId, out var history) ? [.. history] : [];

    public int FaultsInjected { get; private set; }

    public void AddOrganization(string organizationId, string customerId) =>
        _byExternalId[customerId] = new Organization(organizationId, customerId);

    public void Dispose() => Server.Stop();

    private ResponseMessage Handle(IRequestMessage request)
    {
        if (Fault() is { } fault)
        {
            return fault;
        }

        var path = request.Path;
        const string external = "/api/v1/organizations:external/";
        const string byId = "/api/v1/organizations/";
        if (request.Method == "GET" && path.StartsWith(external, StringComparison.Ordinal))
        {
            return _byExternalId.TryGetValue(Uri.UnescapeDataString(path[external.Length..]), out var found) ? Json(200, found.ToJson()) : NotFound();
        }

        if (!path.StartsWith(byId, StringComparison.Ordinal))
        {
            return NotFound();
        }

        var rest = path[byId.Length..];
        var settings = rest.EndsWith("/settings", StringComparison.Ordinal);
        var id = settings ? rest[..^"/settings".Length] : rest;
        var organization = _byExternalId.Values.FirstOrDefault(o => o.Id == id);
        if (organization is null)
        {
            return NotFound();
        }

        if (request.Method == "PATCH")
        {
            var body = JsonNode.Parse(request.Body ?? "{}")!;
            lock (organization)
            {
                if (settings)
                {
                    foreach (var feature in body["features"]!.AsArray())
                    {
                        organization.Features[feature!["name"]!.GetValue<string>()] = feature["enabled"]!.GetValue<bool>();
                    }
                }
                else
                {
                    var metadata = body["metadata"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<string>());
                    var changed = metadata.Count != organization.Metadata.Count || metadata.Any(p => organization.Metadata.GetValueOrDefault(p.Key) != p.Value);
                    var replaced = organization.Metadata.GetValueOrDefault("last_billing_update") ?? "(none)";
                    organization.Metadata = metadata;
                    var requestKey = request.Headers?.TryGetValue("Idempotency-Key", out var values) == true ? values[0] : "(none)";
                    var lag = TimeProvider.System.GetUtcNow() - new DateTimeOffset(request.DateTime.ToUniversalTime());
                    _metadataHistory.GetOrAdd(organization.ExternalId, _ => new ConcurrentQueue<string>()).Enqueue(
                        $"#{Interlocked.Increment(ref _patchSequence)} key {requestKey}: last_billing_update {replaced} -> {metadata.GetValueOrDefault("last_billing_update") ?? "(none)"}, {(changed ? "changed" : "unchanged")}, applied {lag.TotalMilliseconds:F0} ms after it was received");
                    var key = $"{organization.ExternalId}|{requestKey}";
                    _metadataPatches.AddOrUpdate(key, 1, (_, count) => count + 1);
                    if (changed)
                    {
                        _metadataChanges.AddOrUpdate(key, 1, (_, count) => count + 1);
                    }
                }
            }
        }

        return Json(200, organization.ToJson());
    }

    private ResponseMessage? Fault()
    {
        double roll;
        lock (_randomLock)
        {
            roll = _random.NextDouble();
        }

        if (roll < _serverErrorRate)
        {
            FaultsInjected++;
            return Json(500, new JsonObject { ["code"] = 13, ["message"] = "injected internal error" });
        }

        if (roll < _serverErrorRate + _throttleRate)
        {
            FaultsInjected++;
            var throttled = Json(429, new JsonObject { ["code"] = 8, ["message"] = "injected rate limit" });
            throttled.AddHeader("Retry-After", "1");
            return throttled;
        }

        if (roll < _serverErrorRate + _throttleRate + _slowRate)
        {
            FaultsInjected++;
            Thread.Sleep(_slowDelay);
            return Json(503, new JsonObject { ["code"] = 14, ["message"] = "injected slow answer" });
        }

        return null;
    }

    private static ResponseMessage NotFound() => Json(404, new JsonObject { ["code"] = 5, ["message"] = "not found" });

    private static ResponseMessage Json(int status, JsonNode body)
    {
        var message = new ResponseMessage
        {
            StatusCode = status,
            BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String, Encoding = Encoding.UTF8 },
        };
        message.AddHeader("Content-Type", "application/json");
        return message;
    }

    private sealed class Organization(string id, string externalId)
    {
        public string Id { get; } = id;

        public string ExternalId { get; } = externalId;

        public Dictionary<string, string> Metadata { get; set; } = new(StringComparer.Ordinal) { ["tier"] = "gold" };

        public Dictionary<string, bool> Features { get; } = new(StringComparer.Ordinal) { ["sso"] = false, ["dir_sync"] = false };

        public JsonObject ToJson()
        {
            lock (this)
            {
                return new JsonObject
                {
                    ["organization"] = new JsonObject
                    {
                        ["id"] = Id,
                        ["external_id"] = ExternalId,
                        ["display_name"] = "Soak " + Id,
                        ["metadata"] = JsonSerializer.SerializeToNode(Metadata),
                        ["settings"] = new JsonObject { ["features"] = new JsonArray([.. Features.Select(f => (JsonNode)new JsonObject { ["name"] = f.Key, ["enabled"] = f.Value })]) },
                    },
                };
            }
        }
    }
}
