@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@description('Application Insights component whose logs are queried.')
param applicationInsightsId string

@description('E-mail address for notifications; empty sends none.')
param alertEmail string

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-${resourceToken}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'skfn-dlq'
    enabled: true
    emailReceivers: [
      {
        name: 'operators'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// Fires when the Functions host moves a message to a poison queue, or the replayer parks a dead letter.
resource deadLetters 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-dead-letters-${resourceToken}'
  location: location
  tags: tags
  properties: {
    displayName: 'Scalekit.Functions: events reached dead-letter storage'
    description: 'A message was moved to scalekit-events-poison or stripe-events-poison, or parked as permanently failed. Inspect it with the operations API (/api/ops/) or CLI, fix the cause and replay.'
    severity: 2
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has "-poison" or message has "parked as permanently failed"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: empty(alertEmail) ? [] : [actionGroup.id]
    }
  }
}
