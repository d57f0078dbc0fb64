using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Storage;

/// <summary>How many event queues (shards) each source's events are spread over.</summary>
public sealed class EventQueueOptions
{
    public const string ShardsSetting = "EVENT_QUEUE_SHARDS";

    /// <summary>
    /// Shards per source, 1 to <see cref="StorageNames.MaxEventQueueShards"/>. Default 1: every event of a source goes
    /// to its one queue. One queue takes about 2,000 messages a second; see docs/scale.md.
    /// </summary>
    [SettingRange(ShardsSetting, 1, StorageNames.MaxEventQueueShards)]
    public int Shards { get; set; } = 1;

    internal static void Bind(EventQueueOptions options, IConfiguration configuration) =>
        options.Shards = SettingValue.WholeNumber(configuration, ShardsSetting, options.Shards);
}

[OptionsValidator]
internal sealed partial class EventQueueOptionsValidator : IValidateOptions<EventQueueOptions>;
