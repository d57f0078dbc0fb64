namespace Scalekit.Webhooks.Benchmarks;

/// <summary>
/// Runs every side of a comparison over the same items in a few rounds, reversing their order each round, so drift in
/// the machine's load hits all sides alike.
/// </summary>
public static class AlternatingRounds
{
    public const int Rounds = 4;

    /// <param name="count">How many items each side handles in all.</param>
    /// <param name="sides">Each called once a round with that round's item range [from, to).</param>
    /// <param name="rounds">How many rounds; more and shorter rounds follow a load that changes faster.</param>
    public static async Task RunAsync(int count, IReadOnlyList<Func<int, int, Task>> sides, int rounds = Rounds)
    {
        var perRound = count / rounds;
        for (var round = 0; round < rounds; round++)
        {
            var from = round * perRound;
            var to = round == rounds - 1 ? count : from + perRound;
            foreach (var side in round % 2 == 0 ? sides : sides.Reverse())
            {
                await side(from, to);
            }
        }
    }
}
