using Scalekit.Webhooks.Telemetry;

namespace Scalekit.Webhooks.Tests.Telemetry;

public class TelemetryRegistrationTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("ClientId=11111111-2222-3333-4444-555555555555", null)]
    [InlineData("Authorization=AAD", "")]
    [InlineData("authorization=aad;", "")]
    [InlineData("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD", "11111111-2222-3333-4444-555555555555")]
    [InlineData(" Authorization = AAD ; ClientId = abc ", "abc")]
    [InlineData("ClientId=a;Authorization=AAD;ClientId=b;junk", "b")]
    public void ManagedIdentityClientId_ReadsTheAuthenticationString(string? authentication, string? expected)
    {
        Assert.Equal(expected, TelemetryRegistration.ManagedIdentityClientId(authentication));
    }
}
