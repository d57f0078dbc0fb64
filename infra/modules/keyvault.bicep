@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@secure()
@description('Scalekit webhook signing secret(s).')
param scalekitWebhookSecret string

@secure()
@description('Stripe endpoint signing secret(s).')
param stripeWebhookSecret string

@secure()
@description('Scalekit API client secret; may be empty.')
param scalekitClientSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-${resourceToken}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 30
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource scalekitWebhook 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'scalekit-webhook-secret'
  properties: { value: scalekitWebhookSecret }
}

resource stripeWebhook 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'stripe-webhook-secret'
  properties: { value: stripeWebhookSecret }
}

resource scalekitClient 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'scalekit-client-secret'
  // Key Vault refuses empty values; a single space means "not configured" and is trimmed away by the app.
  properties: { value: empty(scalekitClientSecret) ? ' ' : scalekitClientSecret }
}

output name string = vault.name

@description('Versionless secret URIs, so a rotated secret is picked up without redeploying.')
output secretUris object = {
  scalekitWebhook: scalekitWebhook.properties.secretUri
  stripeWebhook: stripeWebhook.properties.secretUri
  scalekitClient: scalekitClient.properties.secretUri
}
