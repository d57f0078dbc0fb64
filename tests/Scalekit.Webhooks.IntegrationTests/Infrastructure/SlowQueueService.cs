using System.Collections.Concurrent;
using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Scalekit.Webhooks.IntegrationTests.Infrastructure;

/// <summary>
/// Makes a real queue service slow, for the clients it is installed on. With <see cref="PerRequest"/> set, requests
/// pass one at a time, each after that delay: a single-threaded store under load, where a request waits for every one
/// before it, so the more is in flight the longer each takes. <see cref="Extra"/> adds a delay of its own to chosen
/// requests (not one at a time). Records the size of every receive.
/// </summary>
public sealed class SlowQueueService : HttpPipelinePolicy
{
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _perRequestTicks;

    public TimeSpan PerRequest
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _perRequestTicks));
        set => Interlocked.Exchange(ref _perRequestTicks, value.Ticks);
    }

    /// <summary>A further delay for one request (method and path known), or zero.</summary>
    public Func<Request, TimeSpan> Extra { get; set; } = _ => TimeSpan.Zero;

    /// <summary>Whether a request (method and path known) is refused with a 503 before it reaches the store, as an outage would.</summary>
    public Func<Request, bool> Refuse { get; set; } = _ => false;

    /// <summary>Called after each receive is answered, with the number of messages it asked for.</summary>
    public Action<int> Received { get; set; } = _ => { };

    /// <summary>The number of messages each receive asked for, in order.</summary>
    public ConcurrentQueue<int> ReceiveSizes { get; } = new();

    public static bool IsReceive(Request request) => request.Method == RequestMethod.Get && request.Uri.Path.EndsWith("/messages", StringComparison.Ordinal);

    public static bool IsDelete(Request request) => request.Method == RequestMethod.Delete && request.Uri.Path.Contains("/messages/", StringComparison.Ordinal);

    public void Reset()
    {
        PerRequest = TimeSpan.Zero;
        Extra = _ => TimeSpan.Zero;
        Refuse = _ => false;
        Received = _ => { };
        ReceiveSizes.Clear();
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ProcessAsync(message, pipeline).AsTask().GetAwaiter().GetResult();

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        if (Refuse(message.Request))
        {
            throw new Azure.RequestFailedException(503, "Refused by the test: the store is down");
        }

        var extra = Extra(message.Request);
        if (extra > TimeSpan.Zero)
        {
            await Task.Delay(extra);
        }

        var perRequest = PerRequest;
        if (perRequest > TimeSpan.Zero)
        {
            await _oneAtATime.WaitAsync();
            try
            {
                await Task.Delay(perRequest);
                await ProcessNextAsync(message, pipeline);
            }
            finally
            {
                _oneAtATime.Release();
            }
        }
        else
        {
            await ProcessNextAsync(message, pipeline);
        }

        if (IsReceive(message.Request))
        {
            var size = SizeOf(message.Request);
            ReceiveSizes.Enqueue(size);
            Received(size);
        }
    }

    private static int SizeOf(Request request)
    {
        var query = request.Uri.Query.TrimStart('?').Split('&').Select(part => part.Split('=', 2)).FirstOrDefault(part => part[0] == "numofmessages");
        return query is [_, var value] ? int.Parse(value, CultureInfo.InvariantCulture) : 1;
    }
}
