using System.Buffers;

namespace Scalekit.Webhooks.Ingest;

/// <summary>A request body read into a pooled buffer; return it with <see cref="Dispose"/>.</summary>
internal sealed class PooledBody : IDisposable
{
    private byte[] _buffer;

    public PooledBody(int initialCapacity) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 4096));

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    /// <summary>
    /// Reads <paramref name="body"/> to its end, or stops as soon as more than <paramref name="limit"/> bytes arrive
    /// (so an oversized body is never buffered whole). Returns false when the limit was exceeded.
    /// </summary>
    public async Task<bool> ReadAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Length == _buffer.Length)
            {
                Grow();
            }

            var read = await body.ReadAsync(_buffer.AsMemory(Length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return true;
            }

            Length += read;
            if (Length > limit)
            {
                return false;
            }
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Grow()
    {
        var bigger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
        _buffer.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
