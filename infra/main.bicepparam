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
param alertEmail = readEnvironmentVariable('SKFN_ALERT_EMAIL', '')
param recoverSoftDeletedKeyVault = bool(readEnvironmentVariable('SKFN_RECOVER_KEY_VAULT', 'false'))
param instanceMemoryMB = 2048
param maximumInstanceCount = 100
