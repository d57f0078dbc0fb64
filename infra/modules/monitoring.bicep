@description('Azure region.')
param location string

@minLength(13)
@maxLength(13)
@description('Unique suffix for resource names (uniqueString output).')
param resourceToken string

@description('Tags applied to every resource.')
param tags object

@description('Days to keep logs.')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${resourceToken}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    // Telemetry is accepted only from identities with Monitoring Metrics Publisher (no instrumentation-key ingestion).
    DisableLocalAuth: true
  }
}

output applicationInsightsName string = insights.name
output applicationInsightsId string = insights.id
output applicationInsightsConnectionString string = insights.properties.ConnectionString
