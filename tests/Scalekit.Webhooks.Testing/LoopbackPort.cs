using System.Net;
using System.Net.Sockets;

namespace Scalekit.Webhooks.Testing;

/// <summary>Free TCP ports on the loopback interface, for the private Azurite and local host processes.</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
