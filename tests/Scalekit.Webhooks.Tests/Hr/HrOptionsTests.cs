using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Hr;

namespace Scalekit.Webhooks.Tests.Hr;

public class HrOptionsTests
{
    [Fact]
    public void Settings_Absent_UseDocumentedDefaults()
    {
        var options = Resolve([]);
        Assert.True(options.SendInvitations);
        Assert.Equal(HrTerminationMode.RemoveMembership, options.Termination);
        Assert.Empty(options.RolesFor("Engineering"));
    }

    [Fact]
    public void Settings_AreBound_DepartmentsIgnoreCase()
    {
        var options = Resolve(new()
        {
            ["HR_DEPARTMENT_ROLES"] = """{"Engineering": ["member", "engineer"], "Sales": []}""",
            ["HR_SEND_INVITATIONS"] = "false",
            ["HR_TERMINATION"] = "mark-only",
        });

        Assert.Equal(["member", "engineer"], options.RolesFor("engineering"));
        Assert.Empty(options.RolesFor("Sales"));
        Assert.Empty(options.RolesFor(null));
        Assert.False(options.SendInvitations);
        Assert.Equal(HrTerminationMode.MarkOnly, options.Termination);
    }

    [Theory]
    [InlineData("HR_DEPARTMENT_ROLES", "[\"member\"]")]
    [InlineData("HR_DEPARTMENT_ROLES", "{\"Engineering\": \"member\"}")]
    [InlineData("HR_DEPARTMENT_ROLES", "{\"Engineering\": [\"\"]}")]
    [InlineData("HR_SEND_INVITATIONS", "sometimes")]
    [InlineData("HR_TERMINATION", "delete-user")]
    public void Settings_Invalid_TurnOnlyTheHrSyncOffNamingTheSetting(string setting, string value)
    {
        var problem = Resolve(new() { [setting] = value }).Problem;
        Assert.Contains(setting, problem, StringComparison.Ordinal);
    }

    private static HrOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddLogging().AddScalekitWebhooks(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<HrOptions>>().Value;
    }
}
