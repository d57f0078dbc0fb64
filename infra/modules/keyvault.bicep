@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@secure()
@description('Scalekit webhook signing secret(s); empty leaves the vault\'s secret as it is.')
param scalekitWebhookSecret string

@secure()
@description('Stripe endpoint signing secret(s); empty leaves the vault\'s secret as it is.')
param stripeWebhookSecret string

@secure()
@description('Merge webhook signature key(s); empty leaves the vault\'s secret as it is.')
param mergeWebhookSignatureKey string

@secure()
@description('Scalekit API client secret; empty leaves the vault\'s secret as it is.')
param scalekitClientSecret string

@secure()
@description('Salesforce external client app secret (client credentials); empty leaves the vault\'s secret as it is.')
param salesforceClientSecret string

@secure()
@description('Stripe API key (sk_… or rk_…) for writing Scalekit ids onto customers; empty leaves the vault\'s secret as it is.')
param stripeApiKey string

@description('Recover the soft-deleted vault of the same name (kept 30 days after its resource group was deleted).')
param recoverSoftDeletedVault bool

var secretNames = {
  scalekitWebhook: 'scalekit-webhook-secret'
  stripeWebhook: 'stripe-webhook-secret'
  mergeWebhook: 'merge-webhook-signature-key'
  scalekitClient: 'scalekit-client-secret'
  salesforceClient: 'salesforce-client-secret'
  stripeApiKey: 'stripe-api-key'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${resourceToken}'
  location: location
  tags: tags
  properties: {
    createMode: recoverSoftDeletedVault ? 'recover' : 'default'
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

// Key Vault refuses empty values. An empty secret parameter writes nothing, so a secret set with
// 'az keyvault secret set' survives the next deployment. Until a webhook secret exists the app's Key Vault reference
// stays unresolved and only that sender answers 503; until an API secret exists that integration stays off (the
// billing sync runs dry, the CRM sync and the Stripe write-back are skipped), as when its setting is empty.
resource scalekitWebhook 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(scalekitWebhookSecret)) {
  parent: vault
  name: secretNames.scalekitWebhook
  properties: { value: scalekitWebhookSecret }
}

resource stripeWebhook 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(stripeWebhookSecret)) {
  parent: vault
  name: secretNames.stripeWebhook
  properties: { value: stripeWebhookSecret }
}

resource mergeWebhook 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(mergeWebhookSignatureKey)) {
  parent: vault
  name: secretNames.mergeWebhook
  properties: { value: mergeWebhookSignatureKey }
}

resource scalekitClient 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(scalekitClientSecret)) {
  parent: vault
  name: secretNames.scalekitClient
  properties: { value: scalekitClientSecret }
}

resource salesforceClient 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(salesforceClientSecret)) {
  parent: vault
  name: secretNames.salesforceClient
  properties: { value: salesforceClientSecret }
}

resource stripeApi 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(stripeApiKey)) {
  parent: vault
  name: secretNames.stripeApiKey
  properties: { value: stripeApiKey }
}

output name string = vault.name

@description('The vault\'s URI; HR connections made through the operations API keep their secrets here (HR_SECRETS_VAULT_URI).')
output uri string = vault.properties.vaultUri

// Built from the names, not from the secret resources (whose secretUri carries the version they wrote, and which are
// not deployed when their parameter is empty), so each reference follows the newest version: a rotation needs no
// redeploy.
@description('Versionless secret URIs, so a rotated secret is picked up without redeploying.')
output secretUris object = {
  scalekitWebhook: '${vault.properties.vaultUri}secrets/${secretNames.scalekitWebhook}'
  stripeWebhook: '${vault.properties.vaultUri}secrets/${secretNames.stripeWebhook}'
  mergeWebhook: '${vault.properties.vaultUri}secrets/${secretNames.mergeWebhook}'
  scalekitClient: '${vault.properties.vaultUri}secrets/${secretNames.scalekitClient}'
  salesforceClient: '${vault.properties.vaultUri}secrets/${secretNames.salesforceClient}'
  stripeApiKey: '${vault.properties.vaultUri}secrets/${secretNames.stripeApiKey}'
}
