@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@description('Memory of each instance, in MB.')
param instanceMemoryMB int

@description('Most instances each scale group may use (the HTTP group, each other function on its own).')
param maximumInstanceCount int

@description('Always-ready instances of the HTTP group; 0 for none.')
param alwaysReadyHttpInstances int

@description('Resource id of the app\'s user-assigned identity (its roles are assigned before the app exists).')
param identityId string

@description('Client id of that identity, for the settings that pick it.')
param identityClientId string

@description('Storage account used for AzureWebJobsStorage, reached by managed identity.')
param storageAccountName string

@description('Storage account of the tables (STATE_STORAGE); may be storageAccountName.')
param stateStorageAccountName string

@description('Storage account of the event ledger table (LEDGER_STORAGE); may be stateStorageAccountName.')
param ledgerStorageAccountName string

@description('Storage account of the claim-checked payloads (PAYLOAD_STORAGE); may be storageAccountName.')
param payloadStorageAccountName string

@description('Blob container URL that holds the deployment package.')
param deploymentContainerUrl string

@description('Application Insights connection string (not a secret: ingestion requires Entra ID here).')
param applicationInsightsConnectionString string

@description('Key Vault secret URIs: scalekitWebhook, stripeWebhook, scalekitClient, salesforceClient, stripeApiKey.')
param secretUris object

@description('The Key Vault\'s URI, where HR connections made through the operations API keep their secrets.')
param keyVaultUri string

@description('Scalekit environment URL; may be empty.')
param scalekitEnvironmentUrl string

@description('Scalekit API client id; may be empty.')
param scalekitClientId string

@description('Six-field cron of the dead-letter replayer.')
param deadLetterReplaySchedule string

@description('JSON map of Stripe price lookup key to plan and features.')
param billingPlanMap string

@description('Days a settled event\'s stored payload and a resolved dead letter are kept.')
param eventPayloadRetentionDays int

@description('Stripe mode applied to state: true (live only), false (test only) or empty (both).')
param stripeLivemode string

@description('Scalekit environment id whose events are applied; empty applies every environment.')
param scalekitEnvironmentId string
@description('JSON map of HR department to Scalekit role names.')
param hrDepartmentRoles string

@description('Whether Scalekit emails an invitation when an HR hire creates a membership.')
param hrSendInvitations bool

@description('What an HR termination does: remove-membership or mark-only.')
param hrTermination string

@description('Salesforce My Domain URL; empty switches the CRM sync off.')
param salesforceInstanceUrl string

@description('Salesforce external client app consumer key; empty switches the CRM sync off.')
param salesforceClientId string

@description('Salesforce REST API version, e.g. v68.0.')
param salesforceApiVersion string

@description('Six-field cron of the scheduled Salesforce → Scalekit sync.')
param crmSyncSchedule string

@description('Six-field cron of the scheduled Stripe event recovery; empty turns it off.')
param stripeReconcileSchedule string

@description('JSON map of Account field to organization metadata key; empty keeps the defaults.')
param crmAccountFields string

@description('JSON map of Contact field to user metadata key; empty keeps the defaults.')
param crmContactFields string

@description('Features switched on for Enterprise accounts, comma separated; may be empty.')
param crmEnterpriseFeatures string

@description('JSON map of Scalekit fact to the account field it is written to; empty keeps the defaults.')
param crmAccountPushFields string

@description('Salesforce API usage (percent of the 24-hour allocation) past which the scheduled sync waits.')
param crmApiUsageCeiling int

@minValue(1)
@maxValue(16)
@description('Queue shards per source (EVENT_QUEUE_SHARDS); every shard queue exists, the queue functions of higher shards are disabled.')
param eventQueueShards int

@minValue(0)
@maxValue(16)
@description('Shards per source still consumed while the ones above eventQueueShards drain; 0 for none.')
param drainEventQueueShards int

// The event-queue functions of shard 0 (QueueFunctions.cs); shard n's function adds n to the name (ScalekitEvents7).
var eventQueueFunctions = ['ScalekitEvents', 'StripeEvents', 'HrEvents']
var maxEventQueueShards = 16
var consumedEventQueueShards = max(eventQueueShards, drainEventQueueShards)

// Flex Consumption scales each queue function on its own and keeps it polling its queue; the host skips a function
// whose AzureWebJobs.<name>.Disabled setting is true. Only shards nothing writes to (and nothing drains) are off.
var disabledQueueFunctionSettings = flatten(map(eventQueueFunctions, function => map(range(consumedEventQueueShards, maxEventQueueShards - consumedEventQueueShards), shard => { name: 'AzureWebJobs.${function}${shard}.Disabled', value: 'true' })))

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${resourceToken}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${resourceToken}'
  location: location
  tags: union(tags, { 'azd-service-name': 'functions' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        // The HTTP functions form one scale group, 'http'; its always-ready instances keep webhook intake answering.
        alwaysReady: alwaysReadyHttpInstances > 0 ? [{ name: 'http', instanceCount: alwaysReadyHttpInstances }] : []
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat([
        { name: 'AzureWebJobsStorage__accountName', value: storageAccountName }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identityClientId }
        { name: 'STATE_STORAGE__accountName', value: stateStorageAccountName }
        { name: 'STATE_STORAGE__credential', value: 'managedidentity' }
        { name: 'STATE_STORAGE__clientId', value: identityClientId }
        { name: 'LEDGER_STORAGE__accountName', value: ledgerStorageAccountName }
        { name: 'LEDGER_STORAGE__credential', value: 'managedidentity' }
        { name: 'LEDGER_STORAGE__clientId', value: identityClientId }
        { name: 'PAYLOAD_STORAGE__accountName', value: payloadStorageAccountName }
        { name: 'PAYLOAD_STORAGE__credential', value: 'managedidentity' }
        { name: 'PAYLOAD_STORAGE__clientId', value: identityClientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: applicationInsightsConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identityClientId};Authorization=AAD' }
        { name: 'SCALEKIT_WEBHOOK_SECRET', value: '@Microsoft.KeyVault(SecretUri=${secretUris.scalekitWebhook})' }
        { name: 'STRIPE_WEBHOOK_SECRET', value: '@Microsoft.KeyVault(SecretUri=${secretUris.stripeWebhook})' }
        { name: 'MERGE_WEBHOOK_SIGNATURE_KEY', value: '@Microsoft.KeyVault(SecretUri=${secretUris.mergeWebhook})' }
        { name: 'HR_SECRETS_VAULT_URI', value: keyVaultUri }
        { name: 'SCALEKIT_CLIENT_SECRET', value: '@Microsoft.KeyVault(SecretUri=${secretUris.scalekitClient})' }
        { name: 'SCALEKIT_ENVIRONMENT_URL', value: scalekitEnvironmentUrl }
        { name: 'SCALEKIT_CLIENT_ID', value: scalekitClientId }
        { name: 'WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS', value: '300' }
        { name: 'WEBHOOK_MAX_BODY_BYTES', value: '1048576' }
        { name: 'STRIPE_API_VERSION_MISMATCH', value: 'accept' }
        { name: 'DEADLETTER_REPLAY_SCHEDULE', value: deadLetterReplaySchedule }
        { name: 'DEADLETTER_MAX_REPLAYS', value: '5' }
        { name: 'BILLING_PLAN_MAP', value: billingPlanMap }
        { name: 'EVENT_PAYLOAD_RETENTION_DAYS', value: string(eventPayloadRetentionDays) }
        { name: 'PAYLOAD_RETENTION_SCHEDULE', value: '0 30 2 * * *' }
        { name: 'STRIPE_LIVEMODE', value: stripeLivemode }
        { name: 'SCALEKIT_ENVIRONMENT_ID', value: scalekitEnvironmentId }
        { name: 'HR_DEPARTMENT_ROLES', value: hrDepartmentRoles }
        { name: 'HR_SEND_INVITATIONS', value: string(hrSendInvitations) }
        { name: 'HR_TERMINATION', value: hrTermination }
        { name: 'SALESFORCE_CLIENT_SECRET', value: '@Microsoft.KeyVault(SecretUri=${secretUris.salesforceClient})' }
        { name: 'STRIPE_API_KEY', value: '@Microsoft.KeyVault(SecretUri=${secretUris.stripeApiKey})' }
        { name: 'SALESFORCE_INSTANCE_URL', value: salesforceInstanceUrl }
        { name: 'SALESFORCE_CLIENT_ID', value: salesforceClientId }
        { name: 'SALESFORCE_API_VERSION', value: salesforceApiVersion }
        { name: 'CRM_SYNC_SCHEDULE', value: crmSyncSchedule }
        // The host resolves every timer's schedule setting at start, so an unused one still holds a valid cron; the
        // function is disabled instead, and the worker reads that flag too (StripeRecoveryOptions).
        { name: 'STRIPE_RECONCILE_SCHEDULE', value: empty(stripeReconcileSchedule) ? '0 0 3 * * *' : stripeReconcileSchedule }
        { name: 'AzureWebJobs.StripeReconcileSchedule.Disabled', value: string(empty(stripeReconcileSchedule)) }
        { name: 'CRM_ACCOUNT_FIELDS', value: crmAccountFields }
        { name: 'CRM_CONTACT_FIELDS', value: crmContactFields }
        { name: 'CRM_ENTERPRISE_FEATURES', value: crmEnterpriseFeatures }
        { name: 'CRM_ACCOUNT_PUSH_FIELDS', value: crmAccountPushFields }
        { name: 'CRM_API_USAGE_CEILING', value: string(crmApiUsageCeiling) }
        { name: 'EVENT_QUEUE_SHARDS', value: string(eventQueueShards) }
      ], disabledQueueFunctionSettings)
    }
  }
}

// Deployments use Entra ID only: no FTP or SCM (zip deploy) user name and password.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: { allow: false }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: { allow: false }
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
