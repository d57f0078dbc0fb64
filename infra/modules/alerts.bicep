@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@description('Application Insights component whose metrics are queried.')
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

// Fires on the pipeline's own metrics, which are never sampled: a poison queue that is not empty when the replayer
// looks (every run records the depth), or any event parked as permanently failed.
resource deadLetters 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-dead-letters-${resourceToken}'
  location: location
  tags: tags
  properties: {
    displayName: 'Scalekit.Functions: events reached dead-letter storage'
    description: 'A message is waiting in scalekit-events-poison, stripe-events-poison or hr-events-poison, or an event was parked as permanently failed. Inspect it with the operations API (/api/ops/dead-letters, /api/ops/stats) or the CLI, fix the cause and replay.'
    severity: 2
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where (name == "scalekit_functions.poison.depth" and valueMax > 0) or (name == "scalekit_functions.deadletters.parked" and valueSum > 0)'
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

// Repeated CRM sync failures (scheduled runs or account updates): one can be a blip, three within an hour are not.
resource crmFailures 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-crm-failures-${resourceToken}'
  location: location
  tags: tags
  properties: {
    displayName: 'Scalekit.Functions: the CRM sync keeps failing'
    description: 'Three or more Salesforce sync runs or account updates failed within an hour. /api/ops/stats (integrations, crm) shows the last error and the API usage; docs/crm.md lists the causes.'
    severity: 2
    enabled: true
    scopes: [applicationInsightsId]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'customMetrics | where name == "scalekit_functions.integration.runs" and tostring(customDimensions.integration) == "crm" and tostring(customDimensions.outcome) == "failure" | summarize failures = sum(valueSum)'
          timeAggregation: 'Total'
          metricMeasureColumn: 'failures'
          operator: 'GreaterThanOrEqual'
          threshold: 3
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
