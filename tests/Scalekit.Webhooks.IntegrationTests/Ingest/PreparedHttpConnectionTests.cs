using System.Net.Sockets;
using System.Net;
using System.Text;
using Scalekit.Webhooks.IntegrationTests.Infrastructure;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Ingest;

/// <summary>
/// The ingest benchmark's sender (<see cref="PreparedHttpConnection"/>) is a bare HTTP/1.1 client; it must get from the
/// host exactly what HttpClient gets, on one kept-alive connection, and fail loudly on what it cannot read.
/// </summary>
public class PreparedHttpConnectionTests(FixedClockHostFixture host) : IClassFixture<FixedClockHostFixture>, IAsyncLifetime
{
    public Task InitializeAsync() => host.ClearQueuesAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task AcceptedRefusedUnknownAndChunkedAnswers_OnOneConnection_AreThoseHttpClientGets()
    {
        var body = Deliveries.ScalekitBody("organization.updated", "evt_prepared_1");
        var signed = Deliveries.SignScalekit(body, host.ScalekitSecret, host.Now, "msg_prepared_1").ToList();
        var tampered = body.Replace("Acme Corp", "Evil Corp", StringComparison.Ordinal);
        await using var connection = await PreparedHttpConnection.OpenAsync(host.BaseAddress);
        var cases = new (string Path, string? Body, IEnumerable<KeyValuePair<string, string>> Headers, int Status)[]
        {
            ("/api/webhooks/scalekit", body, signed, 201),
            ("/api/webhooks/scalekit", tampered, signed, 401),
            ("/api/webhooks/nosuchsender", body, signed, 404),
            ("/api/health", null, [], 200),
            ("/api/webhooks/scalekit", body, signed, 201),
        };

        foreach (var (path, sent, headers, status) in cases)
        {
            using var expected = sent is null
                ? await host.Client.GetAsync(new Uri(path, UriKind.Relative))
                : await host.Client.PostAsync(path["/api/webhooks/".Length..], sent, headers);
            var expectedBody = await expected.Content.ReadAsStringAsync();
            var request = sent is null
                ? PreparedHttpConnection.Get(host.BaseAddress, path)
                : PreparedHttpConnection.Post(host.BaseAddress, path, Encoding.UTF8.GetBytes(sent), headers);

            var answer = await connection.SendAsync(request);

            Assert.Equal(status, (int)expected.StatusCode);
            Assert.Equal(status, answer.StatusCode);
            Assert.Equal(expectedBody, answer.BodyText);
            Assert.False(answer.Closed);
        }

        // Two accepted deliveries from each client, all four stored.
        Assert.Equal(4, (await host.PeekAllAsync(StorageNames.QueueFor(ScalekitSource.Id))).Count);
    }

    [Fact]
    public async Task ServerThatClosesWithoutAnswering_IsAnIOException()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        await using var connection = await PreparedHttpConnection.OpenAsync(address);
        using (var accepted = await listener.AcceptSocketAsync())
        {
            accepted.Shutdown(SocketShutdown.Both);
        }

        var failure = await Assert.ThrowsAsync<IOException>(() => connection.SendAsync(PreparedHttpConnection.Get(address, "/")));
        Assert.Contains("closed the connection", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n\r\n", "Not an HTTP/1.1 status line")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", "closed the connection")]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end", "without Content-Length")]
    public async Task AnswerItCannotRead_IsAnIOException(string answer, string expected)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var address = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        await using var connection = await PreparedHttpConnection.OpenAsync(address);
        var server = Task.Run(async () =>
        {
            using var accepted = await listener.AcceptSocketAsync();
            var request = new byte[4096];
            await accepted.ReceiveAsync(request, SocketFlags.None);
            await accepted.SendAsync(Encoding.ASCII.GetBytes(answer), SocketFlags.None);
            accepted.Shutdown(SocketShutdown.Both);
        });

        var failure = await Assert.ThrowsAsync<IOException>(() => connection.SendAsync(PreparedHttpConnection.Get(address, "/")));
        Assert.Contains(expected, failure.Message, StringComparison.Ordinal);
        await server;
    }
}
