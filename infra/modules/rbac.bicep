// Least privilege that still works for the function app's managed identity, and the one role the deployer needs.
@description('Object id of the function app identity.')
param principalId string

@description('Object id of whoever deploys (user or service principal); gets Key Vault Secrets Officer. Empty: no role.')
param deployerPrincipalId string

@description('Storage account of AzureWebJobsStorage: the host data, the queues, and the tables and payloads when they have no account of their own.')
param storageAccountName string

@description('Storage account of the tables (STATE_STORAGE); the same name as storageAccountName when they share it.')
param stateStorageAccountName string = storageAccountName

@description('Storage account of the event ledger table (LEDGER_STORAGE); the same name as stateStorageAccountName when they share it.')
param ledgerStorageAccountName string = stateStorageAccountName

@description('Storage account of the claim-checked payloads (PAYLOAD_STORAGE); the same name as storageAccountName when they share it.')
param payloadStorageAccountName string = storageAccountName

@description('Application Insights component receiving telemetry.')
param applicationInsightsName string

@description('Key Vault holding the secrets.')
param keyVaultName string

var roles = {
  // Storage Blob Data Owner: the Functions host manages its own blob containers (leases, keys, deployment package).
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  // Storage Queue Data Contributor: the poison move creates queues and adds messages (narrower queue roles cannot).
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  // Storage Table Data Contributor: the event ledger and read models.
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  // Storage Blob Data Contributor: claim-checked payloads on an account of their own (read, write, delete; no ownership).
  storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  // Monitoring Metrics Publisher: telemetry ingestion with Entra ID (local auth is off).
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Key Vault Secrets Officer: the deployer sets and rotates the secrets (the vault uses RBAC, not access policies); the
  // app resolves its Key Vault references and sets, reads and deletes the HR connections' secrets (the least built-in
  // role that can write a secret; Secrets User only reads).
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource stateStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: stateStorageAccountName
}

resource ledgerStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: ledgerStorageAccountName
}

resource payloadStorage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: payloadStorageAccountName
}

resource insights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
  }
}

resource queueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
  }
}

// The tables' account (the main one unless STATE_STORAGE has its own) and, when it has its own, the ledger's.
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(stateStorage.id, principalId, roles.storageTableDataContributor)
  scope: stateStorage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

resource ledgerTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (ledgerStorageAccountName != stateStorageAccountName) {
  name: guid(ledgerStorage.id, principalId, roles.storageTableDataContributor)
  scope: ledgerStorage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
  }
}

// On the main account the app is already Blob Data Owner (the host needs it); a payload account of its own needs less.
resource payloadBlobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (payloadStorageAccountName != storageAccountName) {
  name: guid(payloadStorage.id, principalId, roles.storageBlobDataContributor)
  scope: payloadStorage
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataContributor)
  }
}

resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, principalId, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

resource secretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}

resource deployerSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(vault.id, deployerPrincipalId, roles.keyVaultSecretsOfficer)
  scope: vault
  properties: {
    // No principalType: the deployer may be a user or a service principal (a pipeline).
    principalId: deployerPrincipalId
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer)
  }
}
