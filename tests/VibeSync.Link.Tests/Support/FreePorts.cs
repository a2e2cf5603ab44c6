using System.Net;
using System.Net.Sockets;

namespace VibeSync.Link.Tests.Support;

/// <summary>Loopback ports nothing listens on (just now): for a fixed-port listener, or an endpoint that does not answer.</summary>
public static class FreePorts
{
    public static int Next()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
