namespace Scalekit.Webhooks.DeadLetters;

/// <summary>
/// How much one poison queue's worker takes at once, so a slow store answers every batch well inside its lease and
/// every request well inside its timeout. When a batch takes more than <paramref name="slowBatch"/>, the worker halves
/// what it has in flight (fewer batches first, then smaller ones); when a batch takes less than half of that, it doubles
/// back (bigger batches first, then more of them) up to <paramref name="maxBatchSize"/> and <paramref name="maxBatches"/>. It starts with one batch of
/// one message and grows, so a slow store is found before many messages are leased (on a fast store full speed is a
/// few batches away). A failed batch counts as a slow one. A batch started before the last change says nothing about
/// the current size: only batches of the current <see cref="Generation"/> count.
/// </summary>
public sealed class ReplayPace(int maxBatchSize, int maxBatches, TimeSpan slowBatch)
{
    private readonly int _maxBatchSize = maxBatchSize;
    private readonly int _maxBatches = maxBatches;
    private readonly TimeSpan _slowBatch = slowBatch;

    public int BatchSize { get; private set; } = 1;

    /// <summary>Batches in flight at once.</summary>
    public int Batches { get; private set; } = 1;

    /// <summary>Changes with every resize; a batch records the generation it started in.</summary>
    public int Generation { get; private set; }

    /// <summary>Records a batch that failed: the store is struggling, so it shrinks as for a slow batch; true when the size changed.</summary>
    public bool RecordFailure(int generation) => Record(generation, TimeSpan.MaxValue);

    /// <summary>Records how long a batch took, from its receive to its last delete; true when the size changed.</summary>
    public bool Record(int generation, TimeSpan took)
    {
        if (generation != Generation)
        {
            return false;
        }

        var (size, inFlight) = (BatchSize, Batches);
        if (took > _slowBatch)
        {
            (BatchSize, Batches) = Batches > 1 ? (BatchSize, Batches / 2) : (Math.Max(1, BatchSize / 2), 1);
        }
        else if (took < _slowBatch / 2)
        {
            (BatchSize, Batches) = BatchSize < _maxBatchSize ? (Math.Min(_maxBatchSize, BatchSize * 2), Batches) : (BatchSize, Math.Min(_maxBatches, Batches * 2));
        }

        if ((size, inFlight) == (BatchSize, Batches))
        {
            return false;
        }

        Generation++;
        return true;
    }
}
