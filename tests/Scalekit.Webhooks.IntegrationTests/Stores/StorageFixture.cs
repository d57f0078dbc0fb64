using Microsoft.Extensions.Configuration;
using Scalekit.Webhooks.Scalekit;
using Scalekit.Webhooks.ScalekitApi;
using Scalekit.Webhooks.State;
using Scalekit.Webhooks.Storage;
using Scalekit.Webhooks.Stripe;
using Scalekit.Webhooks.Testing;

namespace Scalekit.Webhooks.IntegrationTests.Stores;

/// <summary>A private Azurite with every table created, and the stores over it (no host).</summary>
public sealed class StorageFixture : IAsyncLifetime
{
    public Azurite Storage { get; private set; } = null!;

    public StorageClients Clients { get; private set; } = null!;

    public StateStore State => new(Clients, TimeProvider.System);

    public OrganizationStore Organizations => new(Clients);

    public OrganizationDomainStore Domains => new(Clients);

    public DirectoryUserStore DirectoryUsers => new(State, Clients);

    public Webhooks.Stripe.CustomerStore Customers => new(State, Clients);

    public ScalekitStateApplier Applier
    {
        get
        {
            var state = State;
            return new(state, new DirectoryUserStore(state, Clients));
        }
    }

    public CustomerBillingStore Billing => new(Clients);

    public async Task InitializeAsync()
    {
        Storage = await Azurite.StartNewAsync();
        Clients = StorageClients.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection([new(StorageClients.SettingName, Storage.ConnectionString)]).Build(),
            StorageRetry.Default);
        await new StorageProvisioner(Clients).EnsureCreatedAsync();
    }

    public async Task DisposeAsync() => await Storage.DisposeAsync();
}
