// Scalekit.Functions on Azure: a Flex Consumption function app with a user-assigned identity, identity-only storage,
// Key Vault for the webhook and API secrets, Application Insights and an alert on dead letters. Deploy with 'azd up'
// (azure.yaml) or 'az deployment group create' (docs/deploy.md).
targetScope = 'resourceGroup'

// azd allows 64 characters. The name only seeds resourceToken (13 characters whatever its length) and a tag, so every
// resource name keeps its fixed length: kv-<token> 16 of Key Vault's 24, st…<token> at most 22 of storage's 24.
@minLength(1)
@maxLength(64)
@description('Environment name (e.g. prod, staging); seeds every resource name.')
param environmentName string

// The regions offering Flex Consumption, as listed in Microsoft's own Flex Consumption azd template
// (Azure-Samples/functions-quickstart-dotnet-azd, infra/main.bicep) and by 'az functionapp list-flexconsumption-locations'
// (docs/deploy.md). Azure adds regions: when yours is listed by that command but not here, add it.
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@description('Azure region for all resources; one that offers the Flex Consumption plan.')
// any(): the group's region is known only at deployment, where ARM holds it to the list (a region without Flex fails
// before anything is created).
param location string = any(resourceGroup().location)

@allowed([512, 2048, 4096])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Most instances each scale group may use: the HTTP functions together, and each queue or timer function on its own (Flex per-function scaling; see docs/scale.md). Not a cap for the whole app.')
param maximumInstanceCount int = 100

@minValue(0)
@maxValue(20)
@description('Always-ready instances of the HTTP group (webhook intake and operations API): kept running, billed while idle, so intake has capacity however far the queue functions scale. 0 scales the HTTP group to zero.')
param alwaysReadyHttpInstances int = 1

@secure()
@description('Scalekit webhook signing secret(s), whsec_…; separate several with spaces during rotation. Empty leaves the vault\'s secret as it is (until one exists, Scalekit deliveries get 503).')
param scalekitWebhookSecret string = ''

@secure()
@description('Stripe endpoint signing secret(s), whsec_…; separate several with spaces during rotation. Empty leaves the vault\'s secret as it is (until one exists, Stripe deliveries get 503).')
param stripeWebhookSecret string = ''

@secure()
@description('Merge webhook signature key(s) (Merge dashboard → Webhooks → Security), for every Merge HR connection; separate several with spaces during rotation. Empty leaves the vault\'s secret as it is (until one exists, the Merge address answers 503).')
param mergeWebhookSignatureKey string = ''

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

@minValue(1)
@maxValue(3650)
@description('Days a settled event\'s stored payload (personal data) and a resolved dead letter are kept.')
param eventPayloadRetentionDays int = 30

@allowed(['', 'true', 'false'])
@description('Stripe mode applied to state: true (live only), false (test only) or empty (both); other-mode events are recorded ignored.')
param stripeLivemode string = ''

@description('Scalekit environment id (env_…) whose events are applied; empty applies every environment.')
param scalekitEnvironmentId string = ''
@description('HR department → Scalekit role names, e.g. {"Engineering":["member","engineer"]}.')
param hrDepartmentRoles string = '{}'

@description('Whether Scalekit emails an invitation when an HR hire creates a membership.')
param hrSendInvitations bool = true

@allowed(['remove-membership', 'mark-only'])
@description('What an HR termination does; Scalekit deletes a user whose last membership is removed.')
param hrTermination string = 'remove-membership'

@description('Salesforce My Domain URL, e.g. https://acme.my.salesforce.com; empty switches the CRM sync off.')
param salesforceInstanceUrl string = ''

@description('Salesforce external client app consumer key; empty switches the CRM sync off.')
param salesforceClientId string = ''

@secure()
@description('Salesforce external client app consumer secret; empty switches the CRM sync off.')
param salesforceClientSecret string = ''

@description('Salesforce REST API version in request paths.')
param salesforceApiVersion string = 'v68.0'

@description('Six-field cron (seconds first) of the scheduled Salesforce → Scalekit sync.')
param crmSyncSchedule string = '0 */15 * * * *'

@description('Six-field cron (seconds first) of the scheduled recovery of missed Stripe events over the last 3 days; empty (the default) turns it off.')
param stripeReconcileSchedule string = ''

@description('Account field → organization metadata key (JSON); empty keeps the defaults (docs/crm.md).')
param crmAccountFields string = ''

@description('Contact field → user metadata key (JSON); empty keeps the defaults (docs/crm.md).')
param crmContactFields string = ''

@description('Scalekit features switched on for accounts of Type Enterprise, comma separated (sso, dir_sync).')
param crmEnterpriseFeatures string = ''

@description('Scalekit fact (active_users, subscription_status, last_login) → account field (JSON); empty keeps the defaults.')
param crmAccountPushFields string = ''

@minValue(1)
@maxValue(100)
@description('Salesforce API usage (percent of the 24-hour allocation) past which the scheduled sync waits for its next run.')
param crmApiUsageCeiling int = 80

@secure()
@description('Stripe API key (sk_… or rk_…) used by onboarding to write Scalekit ids onto the customer; empty skips that step.')
param stripeApiKey string = ''

@minValue(1)
@maxValue(16)
@description('Queue shards per source (EVENT_QUEUE_SHARDS): one queue takes about 2,000 messages a second; see docs/scale.md. The queue functions of higher shards are disabled.')
param eventQueueShards int = 1

@minValue(0)
@maxValue(16)
@description('After lowering eventQueueShards: the old shard count, whose queue functions stay enabled until their queues are empty (docs/deploy.md). 0: only eventQueueShards are consumed.')
param drainEventQueueShards int = 0

@description('True: the tables get a storage account of their own (STATE_STORAGE), which takes their requests off the main account; see docs/scale.md.')
param separateStateStorage bool = false

@description('True: the event ledger table gets a storage account of its own (LEDGER_STORAGE); see docs/scale.md.')
param separateLedgerStorage bool = false

@description('True: claim-checked payloads (bodies over 48 KiB) get a storage account of their own (PAYLOAD_STORAGE).')
param separatePayloadStorage bool = false

@description('E-mail address that receives dead-letter alerts; empty creates the alert without a notification.')
param alertEmail string = ''

@description('Object id of whoever deploys; gets Key Vault Secrets Officer on the vault to set and rotate secrets. Empty: no role.')
param deployerPrincipalId string = deployer().objectId

@description('True to recover the soft-deleted Key Vault left by a resource group of the same name deleted within 30 days.')
param recoverSoftDeletedKeyVault bool = false

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
    // A parked event keeps its body for a month past the retention period before the backstop deletes it.
    payloadBlobMaxAgeDays: eventPayloadRetentionDays + 30
    separateStateStorage: separateStateStorage
    separateLedgerStorage: separateLedgerStorage
    separatePayloadStorage: separatePayloadStorage
  }
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
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
    mergeWebhookSignatureKey: mergeWebhookSignatureKey
    scalekitClientSecret: scalekitClientSecret
    salesforceClientSecret: salesforceClientSecret
    stripeApiKey: stripeApiKey
    recoverSoftDeletedVault: recoverSoftDeletedKeyVault
  }
}

// Roles first, on the identity the app will use, so the app's first start and first publish find them in place.
module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  params: {
    principalId: identity.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    storageAccountName: storage.outputs.accountName
    stateStorageAccountName: storage.outputs.stateAccountName
    ledgerStorageAccountName: storage.outputs.ledgerAccountName
    payloadStorageAccountName: storage.outputs.payloadAccountName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    keyVaultName: vault.outputs.name
  }
}

module app 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    resourceToken: resourceToken
    tags: allTags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    storageAccountName: storage.outputs.accountName
    stateStorageAccountName: storage.outputs.stateAccountName
    ledgerStorageAccountName: storage.outputs.ledgerAccountName
    payloadStorageAccountName: storage.outputs.payloadAccountName
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    secretUris: vault.outputs.secretUris
    keyVaultUri: vault.outputs.uri
    scalekitEnvironmentUrl: scalekitEnvironmentUrl
    scalekitClientId: scalekitClientId
    deadLetterReplaySchedule: deadLetterReplaySchedule
    billingPlanMap: billingPlanMap
    eventPayloadRetentionDays: eventPayloadRetentionDays
    stripeLivemode: stripeLivemode
    scalekitEnvironmentId: scalekitEnvironmentId
    hrDepartmentRoles: hrDepartmentRoles
    hrSendInvitations: hrSendInvitations
    hrTermination: hrTermination
    salesforceInstanceUrl: salesforceInstanceUrl
    salesforceClientId: salesforceClientId
    salesforceApiVersion: salesforceApiVersion
    crmSyncSchedule: crmSyncSchedule
    stripeReconcileSchedule: stripeReconcileSchedule
    crmAccountFields: crmAccountFields
    crmContactFields: crmContactFields
    crmEnterpriseFeatures: crmEnterpriseFeatures
    crmAccountPushFields: crmAccountPushFields
    crmApiUsageCeiling: crmApiUsageCeiling
    eventQueueShards: eventQueueShards
    drainEventQueueShards: drainEventQueueShards
  }
  dependsOn: [rbac]
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

var appUrl = 'https://${app.outputs.defaultHostName}'

// Upper-case names: azd stores each output in the environment under this name (azd env get-values).
@description('Paste into the Scalekit dashboard (Webhooks → Add endpoint).')
output SCALEKIT_WEBHOOK_URL string = '${appUrl}/api/webhooks/scalekit'

@description('Paste into the Stripe dashboard (Developers → Webhooks → Add endpoint).')
output STRIPE_WEBHOOK_URL string = '${appUrl}/api/webhooks/stripe'

@description('Base URL of the operations API (x-functions-key).')
output OPS_API_URL string = '${appUrl}/api/ops/'

@description('Base URL of the app, for the CLI\'s --url.')
output FUNCTION_APP_URL string = appUrl

@description('Resource group of the deployment, for az commands.')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Name of the function app, for publishing the code and reading its keys.')
output AZURE_FUNCTION_APP_NAME string = app.outputs.name

@description('Name of the Key Vault holding the secrets.')
output AZURE_KEY_VAULT_NAME string = vault.outputs.name

@description('Name of the storage account holding the queues (AzureWebJobsStorage), and the tables and payloads unless they have their own.')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.accountName

@description('Name of the storage account holding the tables (STATE_STORAGE).')
output AZURE_STATE_STORAGE_ACCOUNT_NAME string = storage.outputs.stateAccountName

@description('Name of the storage account holding the event ledger table (LEDGER_STORAGE).')
output AZURE_LEDGER_STORAGE_ACCOUNT_NAME string = storage.outputs.ledgerAccountName

@description('Name of the storage account holding claim-checked payloads (PAYLOAD_STORAGE).')
output AZURE_PAYLOAD_STORAGE_ACCOUNT_NAME string = storage.outputs.payloadAccountName
