using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Scalekit.Webhooks.Processing;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.Storage;

namespace Scalekit.Webhooks.Tests.Processing;

public class FirstRecordsJoinTests
{
    private const string Storage = "UseDevelopmentStorage=true";

    [Fact]
    public void ConsumersJoiningAFreshLedgerAtOnce_AllJoinOneGroup()
    {
        // Joining touches no storage; the ledger builds what groups the first records when first asked, from any thread.
        for (var round = 0; round < 200; round++)
        {
            var ledger = new EventLedger(new StorageClients(new QueueServiceClient(Storage), new BlobServiceClient(Storage), new TableServiceClient(Storage)), TimeProvider.System);
            var members = new GroupCommit.Member[4];
            using var start = new Barrier(members.Length);
            var threads = Enumerable.Range(0, members.Length).Select(i => new Thread(() =>
            {
                start.SignalAndWait();
                members[i] = ledger.JoinFirstRecords(ScalekitSource.Id);
            })).ToArray();
            foreach (var thread in threads)
            {
                thread.Start();
            }

            foreach (var thread in threads)
            {
                thread.Join();
            }

            Assert.Single(members.Select(member => member.Group).Distinct());
            foreach (var member in members)
            {
                member.Dispose();
            }
        }
    }
}
