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

@description('True: the tables (read model, dead letters, audit, onboarding, CRM; the event ledger too unless separateLedgerStorage) get an account of their own (STATE_STORAGE).')
param separateStateStorage bool = false

@description('True: the event ledger table gets an account of its own (LEDGER_STORAGE).')
param separateLedgerStorage bool = false

@description('True: the claim-checked payloads get an account of their own (PAYLOAD_STORAGE).')
param separatePayloadStorage bool = false

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
  'erasure-jobs'
  'stripe-reconcile'
  'billing-seat-sync'
]
var queueNames = flatten(map(concat(eventQueueNames, workQueueNames), queue => [queue, '${queue}-poison']))
var tableNames = [
  'EventLedger'
  'DeadLetters'
  'OpsAudit'
  'Onboarding'
  'CrmAccountLinks'
  'CrmSync'
  'ErasureJobs'
  'StripeRecovery'
  'HrConnections'
  'HrConnectionRefusals'
  'BillingSeats'
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
var ledgerTableName = 'EventLedger'
var stateTableNames = filter(tableNames, table => table != ledgerTableName)
var payloadContainerName = 'webhook-payloads'
var deploymentContainerName = 'app-package'
var containerNames = [
  payloadContainerName
  deploymentContainerName
]

// The queues always stay here: the Functions host's queue triggers and poison moves use AzureWebJobsStorage.
module main 'storage-account.bicep' = {
  name: 'storage-main'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    queueNames: queueNames
    tableNames: separateStateStorage ? [] : (separateLedgerStorage ? stateTableNames : tableNames)
    containerNames: separatePayloadStorage ? [deploymentContainerName] : containerNames
    expiringContainerName: separatePayloadStorage ? '' : payloadContainerName
    payloadBlobMaxAgeDays: payloadBlobMaxAgeDays
  }
}

module state 'storage-account.bicep' = if (separateStateStorage) {
  name: 'storage-state'
  params: {
    name: 'ststate${resourceToken}'
    location: location
    tags: tags
    tableNames: separateLedgerStorage ? stateTableNames : tableNames
  }
}

module ledger 'storage-account.bicep' = if (separateLedgerStorage) {
  name: 'storage-ledger'
  params: {
    name: 'stledger${resourceToken}'
    location: location
    tags: tags
    tableNames: [ledgerTableName]
  }
}

module payloads 'storage-account.bicep' = if (separatePayloadStorage) {
  name: 'storage-payloads'
  params: {
    name: 'stpayload${resourceToken}'
    location: location
    tags: tags
    containerNames: [payloadContainerName]
    expiringContainerName: payloadContainerName
    payloadBlobMaxAgeDays: payloadBlobMaxAgeDays
  }
}

@description('The account of AzureWebJobsStorage: the queues, and whatever has no account of its own.')
output accountName string = main.outputs.name
@description('The account of STATE_STORAGE (the tables).')
output stateAccountName string = separateStateStorage ? state!.outputs.name : main.outputs.name
@description('The account of LEDGER_STORAGE (the event ledger table).')
output ledgerAccountName string = separateLedgerStorage ? ledger!.outputs.name : (separateStateStorage ? state!.outputs.name : main.outputs.name)
@description('The account of PAYLOAD_STORAGE (claim-checked payloads).')
output payloadAccountName string = separatePayloadStorage ? payloads!.outputs.name : main.outputs.name
output deploymentContainerUrl string = '${main.outputs.blobEndpoint}${deploymentContainerName}'
