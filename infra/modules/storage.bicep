@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@minValue(1)
@description('Days after which claim-checked event payloads are deleted by the lifecycle rule; the daily retention run removes them earlier.')
param payloadBlobMaxAgeDays int

// Each source's events are spread over up to 16 queue shards (EVENT_QUEUE_SHARDS); every shard queue exists whatever
// the setting, so changing it never meets a missing queue. Shard 0 keeps the unsharded name, shard n is '<queue>-n'.
var maxEventQueueShards = 16
var eventQueueBaseNames = [
  'scalekit-events'
  'stripe-events'
  'hr-events'
]
var eventQueueNames = flatten(map(eventQueueBaseNames, queue => map(range(0, maxEventQueueShards), shard => shard == 0 ? queue : '${queue}-${shard}')))
var workQueueNames = [
  'onboarding-steps'
  'crm-account-push'
]
var queueNames = flatten(map(concat(eventQueueNames, workQueueNames), queue => [queue, '${queue}-poison']))
var tableNames = [
  'EventLedger'
  'DeadLetters'
  'OpsAudit'
  'Onboarding'
  'CrmAccountLinks'
  'CrmSync'
  'Organizations'
  'OrganizationDomains'
  'DomainOrganizations'
  'SsoConnections'
  'Directories'
  'DirectoryUsers'
  'DirectoryGroups'
  'DirectoryGroupMembers'
  'Users'
  'UserSessions'
  'Memberships'
  'Roles'
  'Permissions'
  'ConnectedAccounts'
  'Subscriptions'
  'Customers'
  'Invoices'
  'OrganizationLinks'
  'CustomerBilling'
  'Employees'
]
var deploymentContainerName = 'app-package'
var containerNames = [
  'webhook-payloads'
  deploymentContainerName
]

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'st${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    // Identity only: no account keys, no SAS, no anonymous blobs.
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for name in containerNames: {
  parent: blobService
  name: name
  properties: { publicAccess: 'None' }
}]

// Backstop for the daily retention run: no event body outlives this age in blob storage.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-webhook-payloads'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob' ]
              prefixMatch: [ 'webhook-payloads/' ]
            }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: payloadBlobMaxAgeDays }
              }
            }
          }
        }
      ]
    }
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for name in queueNames: {
  parent: queueService
  name: name
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for name in tableNames: {
  parent: tableService
  name: name
}]

output accountName string = account.name
output deploymentContainerUrl string = '${account.properties.primaryEndpoints.blob}${deploymentContainerName}'
