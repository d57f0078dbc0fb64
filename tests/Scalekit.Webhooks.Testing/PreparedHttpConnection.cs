using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Scalekit.Webhooks.Testing;

/// <summary>
/// A load generator's HTTP/1.1 client (as wrk works): one persistent connection, requests sent as bytes built
/// beforehand, answers read as a status line, headers and a Content-Length or chunked body. A benchmark uses it so
/// the sender costs the machine almost nothing; HttpClient stays the client the integration tests use, and a test
/// holds this one to the same answers.
/// </summary>
public sealed class PreparedHttpConnection : IAsyncDisposable
{
    private const int MaxHeaderBytes = 16 * 1024;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    private static readonly byte[] LineEnd = "\r\n"u8.ToArray();
    private readonly Socket _socket;
    private byte[] _buffer = new byte[MaxHeaderBytes];
    private int _start;
    private int _end;

    private PreparedHttpConnection(Socket socket) => _socket = socket;

    public static async Task<PreparedHttpConnection> OpenAsync(Uri baseAddress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new DnsEndPoint(baseAddress.Host, baseAddress.Port), cancellationToken);
            return new PreparedHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of a POST of <paramref name="body"/> to <paramref name="path"/> with the given headers.</summary>
    public static byte[] Post(Uri baseAddress, string path, ReadOnlySpan<byte> body, IEnumerable<KeyValuePair<string, string>> headers, string contentType = "application/json")
    {
        ArgumentNullException.ThrowIfNull(headers);
        var head = new StringBuilder(Head("POST", baseAddress, path));
        head.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\nContent-Length: {body.Length}\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        var request = new byte[headBytes.Length + body.Length];
        headBytes.CopyTo(request, 0);
        body.CopyTo(request.AsSpan(headBytes.Length));
        return request;
    }

    /// <summary>The bytes of a GET of <paramref name="path"/>.</summary>
    public static byte[] Get(Uri baseAddress, string path) => Encoding.ASCII.GetBytes(Head("GET", baseAddress, path) + "\r\n");

    /// <summary>
    /// Sends one prepared request and reads its answer. The body is valid until the next send on this connection.
    /// </summary>
    /// <exception cref="IOException">The server closed the connection or answered something that is not HTTP/1.1.</exception>
    public async Task<PreparedHttpAnswer> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        // One request at a time and its answer read whole, so nothing of an earlier answer is left over.
        _start = 0;
        _end = 0;
        await _socket.SendAsync(request, SocketFlags.None, cancellationToken);
        var headEnd = await FillUntilAsync(HeaderEnd, cancellationToken);
        var (status, contentLength, chunked, closes) = ParseHead(_buffer.AsSpan(0, headEnd));
        _start = headEnd + HeaderEnd.Length;
        ReadOnlyMemory<byte> body;
        if (chunked)
        {
            body = await ReadChunkedAsync(cancellationToken);
        }
        else
        {
            var length = contentLength ?? (closes ? throw new IOException("An answer without Content-Length that ends at close is not read by this client.") : 0);
            await FillAsync(_start + length, cancellationToken);
            body = _buffer.AsMemory(_start, length);
        }

        if (closes)
        {
            _socket.Shutdown(SocketShutdown.Both);
        }

        return new PreparedHttpAnswer(status, body, closes);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Head(string method, Uri baseAddress, string path) =>
        $"{method} {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\n";

    private static (int Status, int? ContentLength, bool Chunked, bool Closes) ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.1 201 Created": the version, then three digits.
        if (!statusLine.StartsWith("HTTP/1.1 "u8) || statusLine.Length < 12 || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out var used) || used != 3)
        {
            throw new IOException($"Not an HTTP/1.1 status line: {Encoding.ASCII.GetString(statusLine)}");
        }

        int? contentLength = null;
        var chunked = false;
        var closes = false;
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = Encoding.ASCII.GetString(line[..colon]);
            var value = Encoding.ASCII.GetString(line[(colon + 1)..]).Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = value.EndsWith("chunked", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                closes = value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
        }

        return (status, contentLength, chunked, closes);
    }

    /// <summary>Reads a chunked body and joins its chunks in place, at <c>_start</c>.</summary>
    private async Task<ReadOnlyMemory<byte>> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        var bodyStart = _start;
        var bodyEnd = _start;
        var read = _start;
        while (true)
        {
            var sizeEnd = await FillUntilAsync(LineEnd, cancellationToken, read);
            var sizeText = Encoding.ASCII.GetString(_buffer, read, sizeEnd - read).Split(';')[0].Trim();
            var size = int.Parse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            read = sizeEnd + 2;
            if (size == 0)
            {
                // No trailers are expected; the empty line ends the body.
                await FillUntilAsync(LineEnd, cancellationToken, read);
                return _buffer.AsMemory(bodyStart, bodyEnd - bodyStart);
            }

            await FillAsync(read + size + 2, cancellationToken);
            Buffer.BlockCopy(_buffer, read, _buffer, bodyEnd, size);
            bodyEnd += size;
            read += size + 2;
        }
    }

    /// <summary>Receives until <paramref name="marker"/> appears at or after <paramref name="from"/>; returns where it starts.</summary>
    private async Task<int> FillUntilAsync(byte[] marker, CancellationToken cancellationToken, int from = 0)
    {
        while (true)
        {
            var found = _buffer.AsSpan(from, _end - from).IndexOf(marker);
            if (found >= 0)
            {
                return from + found;
            }

            if (_end - from >= MaxHeaderBytes)
            {
                throw new IOException("An answer's head or chunk size line is too long.");
            }

            await ReceiveAsync(cancellationToken);
        }
    }

    /// <summary>Receives until the buffer holds <paramref name="length"/> bytes.</summary>
    private async Task FillAsync(int length, CancellationToken cancellationToken)
    {
        while (_end < length)
        {
            if (length > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(length, _buffer.Length * 2));
            }

            await ReceiveAsync(cancellationToken);
        }
    }

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        if (received == 0)
        {
            throw new IOException("The server closed the connection before the answer was complete.");
        }

        _end += received;
    }
}

/// <summary>An answer read by <see cref="PreparedHttpConnection"/>; <see cref="Body"/> is valid until its next send.</summary>
public readonly record struct PreparedHttpAnswer(int StatusCode, ReadOnlyMemory<byte> Body, bool Closed)
{
    public string BodyText => Encoding.UTF8.GetString(Body.Span);
}
