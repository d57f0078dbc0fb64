using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using Scalekit.Webhooks.Hosting;
using Scalekit.Webhooks.Http;
using Scalekit.Webhooks.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddScalekitWebhooks(builder.Configuration);
builder.Services.AddWebhookHttpHandlers();
builder.Services.AddScalekitTelemetry(builder.Configuration);
builder.Build().Run();
