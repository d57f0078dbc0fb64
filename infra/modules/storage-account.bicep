// One identity-only storage account and the queues, tables and containers it holds. storage.bicep decides which
// account holds what; every account gets the same hardening.
@description('Name of the account (3 to 24 lower-case letters and digits).')
param name string

@description('Azure region.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Queues this account holds.')
param queueNames array = []

@description('Tables this account holds.')
param tableNames array = []

@description('Blob containers this account holds.')
param containerNames array = []

@description('Blob container whose blobs the lifecycle rule deletes after payloadBlobMaxAgeDays; empty for none.')
param expiringContainerName string = ''

@minValue(1)
@description('Days after which blobs in expiringContainerName are deleted.')
param payloadBlobMaxAgeDays int = 60

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
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

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [for container in containerNames: {
  parent: blobService
  name: container
  properties: { publicAccess: 'None' }
}]

// Backstop for the daily retention run: no event body outlives this age in blob storage.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = if (!empty(expiringContainerName)) {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-${expiringContainerName}'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [ 'blockBlob' ]
              prefixMatch: [ '${expiringContainerName}/' ]
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

resource queues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [for queue in queueNames: {
  parent: queueService
  name: queue
}]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [for table in tableNames: {
  parent: tableService
  name: table
}]

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
