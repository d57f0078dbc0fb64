using './main.bicep'

// Every value comes from the environment at deployment time (azd passes its environment, .azure/<name>/.env), never
// from a file in the repository. Unset secrets are fine: see docs/deploy.md.
param environmentName = readEnvironmentVariable('AZURE_ENV_NAME', 'prod')
param scalekitWebhookSecret = readEnvironmentVariable('SCALEKIT_WEBHOOK_SECRET', '')
param stripeWebhookSecret = readEnvironmentVariable('STRIPE_WEBHOOK_SECRET', '')
param hrWebhookSecret = readEnvironmentVariable('HR_WEBHOOK_SECRET', '')
param scalekitEnvironmentUrl = readEnvironmentVariable('SCALEKIT_ENVIRONMENT_URL', '')
param scalekitClientId = readEnvironmentVariable('SCALEKIT_CLIENT_ID', '')
param scalekitClientSecret = readEnvironmentVariable('SCALEKIT_CLIENT_SECRET', '')
param billingPlanMap = readEnvironmentVariable('BILLING_PLAN_MAP', '{}')
param deadLetterReplaySchedule = readEnvironmentVariable('DEADLETTER_REPLAY_SCHEDULE', '0 */5 * * * *')
param hrDepartmentRoles = readEnvironmentVariable('HR_DEPARTMENT_ROLES', '{}')
param hrSendInvitations = bool(readEnvironmentVariable('HR_SEND_INVITATIONS', 'true'))
param hrTermination = readEnvironmentVariable('HR_TERMINATION', 'remove-membership')
param salesforceInstanceUrl = readEnvironmentVariable('SALESFORCE_INSTANCE_URL', '')
param salesforceClientId = readEnvironmentVariable('SALESFORCE_CLIENT_ID', '')
param salesforceClientSecret = readEnvironmentVariable('SALESFORCE_CLIENT_SECRET', '')
param salesforceApiVersion = readEnvironmentVariable('SALESFORCE_API_VERSION', 'v68.0')
param crmSyncSchedule = readEnvironmentVariable('CRM_SYNC_SCHEDULE', '0 */15 * * * *')
param crmAccountFields = readEnvironmentVariable('CRM_ACCOUNT_FIELDS', '')
param crmContactFields = readEnvironmentVariable('CRM_CONTACT_FIELDS', '')
param crmEnterpriseFeatures = readEnvironmentVariable('CRM_ENTERPRISE_FEATURES', '')
param crmAccountPushFields = readEnvironmentVariable('CRM_ACCOUNT_PUSH_FIELDS', '')
param crmApiUsageCeiling = int(readEnvironmentVariable('CRM_API_USAGE_CEILING', '80'))
param stripeApiKey = readEnvironmentVariable('STRIPE_API_KEY', '')
param eventQueueShards = int(readEnvironmentVariable('EVENT_QUEUE_SHARDS', '1'))
param alertEmail = readEnvironmentVariable('SKFN_ALERT_EMAIL', '')
param recoverSoftDeletedKeyVault = bool(readEnvironmentVariable('SKFN_RECOVER_KEY_VAULT', 'false'))
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
