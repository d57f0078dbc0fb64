using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using Scalekit.Webhooks.Testing;
using Xunit;

namespace Scalekit.Webhooks.IntegrationTests.Infrastructure;

/// <summary>The suite's private Azurite starts even when a port it picked is taken before Azurite binds it.</summary>
public sealed class AzuriteStartTests
{
    [Fact]
    public async Task APortTakenBeforeAzuriteBindsIt_MovesAzuriteToFreePorts()
    {
        using var taken = new TcpListener(IPAddress.Loopback, LoopbackPort.Free());
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;

        await using var azurite = Azurite.OnPorts(LoopbackPort.Free(), takenPort, LoopbackPort.Free());
        await azurite.StartAsync();

        Assert.DoesNotContain($":{takenPort}/", azurite.ConnectionString, StringComparison.Ordinal);
        var queue = new QueueClient(azurite.ConnectionString, "started");
        await queue.CreateAsync();
        await queue.SendMessageAsync("hello");
        Assert.Equal("hello", (await queue.ReceiveMessageAsync()).Value.Body.ToString());
    }

    [Fact]
    public void FreePorts_AreNeverHandedOutTwice_AndLieBetweenTheDevelopmentPortsAndTheEphemeralRange()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => LoopbackPort.Free()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(ports, port => Assert.InRange(port, 20_000, ephemeralStart - 1));
    }
}
