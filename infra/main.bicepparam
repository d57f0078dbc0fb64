using './main.bicep'

// Secrets come from the environment at deployment time, never from this file.
param environmentName = readEnvironmentVariable('SKFN_ENVIRONMENT', 'prod')
param scalekitWebhookSecret = readEnvironmentVariable('SCALEKIT_WEBHOOK_SECRET', '')
param stripeWebhookSecret = readEnvironmentVariable('STRIPE_WEBHOOK_SECRET', '')
param scalekitEnvironmentUrl = readEnvironmentVariable('SCALEKIT_ENVIRONMENT_URL', '')
param scalekitClientId = readEnvironmentVariable('SCALEKIT_CLIENT_ID', '')
param scalekitClientSecret = readEnvironmentVariable('SCALEKIT_CLIENT_SECRET', '')
param alertEmail = readEnvironmentVariable('SKFN_ALERT_EMAIL', '')
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
