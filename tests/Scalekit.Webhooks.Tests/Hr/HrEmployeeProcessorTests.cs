using System.Text.Json;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;

namespace Scalekit.Webhooks.Tests.Hr;

public class HrEmployeeProcessorTests
{
    [Fact]
    public async Task PartialScalekitCredentials_ParkTheEventWithTheReason_BeforeAnythingIsRead()
    {
        var options = Options.Create(new ScalekitOptions { CredentialsProblem = "Scalekit API access is off: SCALEKIT_CLIENT_SECRET is not set." });
        // Nothing else is needed: the check comes before any storage or Scalekit call.
        var processor = new HrEmployeeProcessor(null!, null!, null!, options, Options.Create(new HrOptions()));

        using var document = JsonDocument.Parse("{}");
        var outcome = await processor.ProcessAsync("{}"u8.ToArray(), document.RootElement, new EventStamp(DateTimeOffset.UnixEpoch, "hrevt_1", "employee.hired"), CancellationToken.None);

        Assert.True(outcome.IsParked);
        Assert.Contains("SCALEKIT_CLIENT_SECRET", outcome.Detail, StringComparison.Ordinal);
    }
}
