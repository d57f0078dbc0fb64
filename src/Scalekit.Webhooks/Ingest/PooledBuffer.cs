using System.Buffers;

namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// Bytes in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, filled from a stream (a request body) or written
/// as an <see cref="IBufferWriter{T}"/> (an envelope); return it with <see cref="Dispose"/>.
/// </summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;

    public PooledBuffer(int initialCapacity) => _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(initialCapacity, 4096));

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
                Grow(1);
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

    /// <summary>Forgets what was written, keeping the buffer.</summary>
    public void Clear() => Length = 0;

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, _buffer.Length - Length);
        Length += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsMemory(Length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Grow(sizeHint);
        return _buffer.AsSpan(Length);
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    /// <summary>Makes room for at least <paramref name="sizeHint"/> more bytes (at least one).</summary>
    private void Grow(int sizeHint)
    {
        var needed = Length + Math.Max(sizeHint, 1);
        if (needed <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
