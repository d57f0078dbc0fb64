using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting.Local;
using Scalekit.Webhooks.LocalHost;

namespace Scalekit.Functions.Tests;

/// <summary>Every options class the hosts register is bound and then checked at start by its source-generated validator.</summary>
public class OptionsValidationTests
{
    // Options checked while binding instead: a storage account's connection forms (by making a client) stop start-up
    // naming the setting; each HR connection carries its own problem and a broken one alone answers 503.
    private static readonly string[] CheckedWhileBinding = ["StorageAccountOptions", "HrConnectionOptions"];

    [Fact]
    public async Task EveryOptionsClass_HasASourceGeneratedValidator()
    {
        var services = await RegisteredServicesAsync();
        var optionsTypes = services
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(type => type.Namespace?.StartsWith("Scalekit.", StringComparison.Ordinal) == true)
            .Distinct()
            .ToList();

        Assert.Contains(optionsTypes, type => type.Name == "IngestOptions");
        Assert.Contains(optionsTypes, type => type.Name == "QueueTriggerOptions");
        Assert.Contains(optionsTypes, type => type.Name == "FaultInjectionOptions");
        // An integration's settings never stop start-up: a value that cannot be read or breaks a rule switches that
        // integration off, and its options say why in Problem (stats, the start-up report and its health show it).
        var unvalidated = optionsTypes.Where(type => !CheckedWhileBinding.Contains(type.Name) && !DegradesAlone(type)).Where(type => !services.Any(d =>
                d.ServiceType == typeof(IValidateOptions<>).MakeGenericType(type)
                && d.ImplementationType?.IsDefined(typeof(OptionsValidatorAttribute), inherit: false) == true))
            .Select(type => type.Name)
            .ToList();
        Assert.True(unvalidated.Count == 0, "Give these an [OptionsValidator] validator (register them with AddSettings): " + string.Join(", ", unvalidated));
    }

    private static bool DegradesAlone(Type options) => options.GetProperty("Problem")?.PropertyType == typeof(string);

    private static async Task<IServiceCollection> RegisteredServicesAsync()
    {
        IServiceCollection? registered = null;
        var settings = new Dictionary<string, string?> { [FaultInjection.Setting] = "0" };
        await using var app = LocalHostApp.Build(["--urls", "http://127.0.0.1:0"], settings, services => registered = services);
        return registered!;
    }
}
