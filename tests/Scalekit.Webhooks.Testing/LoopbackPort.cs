using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Scalekit.Webhooks.Testing;

/// <summary>
/// Free TCP ports on the loopback interface, for the private Azurite and local host processes, which bind them a moment
/// later. A port the kernel hands out for port 0 comes from its ephemeral range, the same range every outgoing
/// connection takes its local port from, so one of the suite's thousands of connections can take it in that moment.
/// Ports are therefore picked below that range, above the development ports <c>./run.sh</c> uses (7071, 10000–10002),
/// and none twice in one test process.
/// </summary>
public static class LoopbackPort
{
    private const int Lowest = 20_000;
    private static readonly HashSet<int> HandedOut = [];
    private static readonly int Highest = BelowEphemeralRange();

    public static int Free()
    {
        lock (HandedOut)
        {
            for (var attempt = 0; attempt < 500; attempt++)
            {
                var port = Random.Shared.Next(Lowest, Highest + 1);
                if (!HandedOut.Contains(port) && CanListenOn(port))
                {
                    HandedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {Lowest} and {Highest} after 500 tries.");
    }

    private static bool CanListenOn(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int BelowEphemeralRange()
    {
        // "<first> <last>" on Linux; elsewhere the IANA range starts at 49152.
        const string Range = "/proc/sys/net/ipv4/ip_local_port_range";
        var first = File.Exists(Range)
            ? int.Parse(File.ReadAllText(Range).Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture)
            : 49_152;
        return Math.Max(Lowest + 1_000, first - 1);
    }
}
