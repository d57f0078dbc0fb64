// Scalekit.Functions on Azure: a Flex Consumption function app with a managed identity, identity-only storage,
// Key Vault for the webhook and API secrets, Application Insights and an alert on dead letters.
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(20)
@description('Short environment name (e.g. prod, staging); part of every resource name.')
param environmentName string

@description('Azure region for all resources; must offer the Flex Consumption plan.')
param location string = resourceGroup().location

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Most instances the app may scale out to; caps cost under a flood of events.')
param maximumInstanceCount int = 100

@secure()
@description('Scalekit webhook signing secret(s), whsec_…; separate several with spaces during rotation.')
param scalekitWebhookSecret string

@secure()
@description('Stripe endpoint signing secret(s), whsec_…; separate several with spaces during rotation.')
param stripeWebhookSecret string

@description('Scalekit environment URL, e.g. https://acme.scalekit.com; empty runs the billing sync in dry-run mode.')
param scalekitEnvironmentUrl string = ''

@description('Scalekit API client id; empty runs the billing sync in dry-run mode.')
param scalekitClientId string = ''

@secure()
@description('Scalekit API client secret; empty runs the billing sync in dry-run mode.')
param scalekitClientSecret string = ''

@description('Six-field cron (seconds first) of the dead-letter replayer.')
param deadLetterReplaySchedule string = '0 */5 * * * *'

@description('Stripe price lookup key → plan and premium features, e.g. {"pro_monthly":{"plan":"pro","features":["sso"]}}.')
param billingPlanMap string = '{}'

@description('E-mail address that receives dead-letter alerts; empty creates the alert without a notification.')
param alertEmail string = ''

@description('Tags applied to every resource.')
param tags object = {}

var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var allTags = union(tags, { 'app-name': 'scalekit-functions', environment: environmentName })

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    resourceToken: resourceToken
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    resourceToken: resourceToken
    tags: allTags
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    resourceToken: resourceToken
    tags: allTags
    scalekitWebhookSecret: scalekitWebhookSecret
    stripeWebhookSecret: stripeWebhookSecret
    scalekitClientSecret: scalekitClientSecret
  }
}

module app 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    resourceToken: resourceToken
    tags: allTags
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    storageAccountName: storage.outputs.accountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    secretUris: vault.outputs.secretUris
    scalekitEnvironmentUrl: scalekitEnvironmentUrl
    scalekitClientId: scalekitClientId
    deadLetterReplaySchedule: deadLetterReplaySchedule
    billingPlanMap: billingPlanMap
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: app.outputs.principalId
    storageAccountName: storage.outputs.accountName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: vault.outputs.name
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    resourceToken: resourceToken
    tags: allTags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    alertEmail: alertEmail
  }
}

@description('Paste into the Scalekit dashboard (Webhooks → Add endpoint).')
output scalekitWebhookUrl string = 'https://${app.outputs.defaultHostName}/api/webhooks/scalekit'

@description('Paste into the Stripe dashboard (Developers → Webhooks → Add endpoint).')
output stripeWebhookUrl string = 'https://${app.outputs.defaultHostName}/api/webhooks/stripe'

@description('Name of the function app, for publishing the code.')
output functionAppName string = app.outputs.name

@description('Name of the storage account holding queues, tables and claim-checked payloads.')
output storageAccountName string = storage.outputs.accountName
