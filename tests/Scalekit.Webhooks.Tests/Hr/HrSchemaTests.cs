using System.Text;
using System.Text.Json;
using NJsonSchema;
using Scalekit.Webhooks.Hr;
using Scalekit.Webhooks.Samples;

namespace Scalekit.Webhooks.Tests.Hr;

/// <summary>The published schema, the CLI's samples and the ingest check must agree.</summary>
public class HrSchemaTests
{
    private static readonly string SchemaText = File.ReadAllText(Path.Combine(Repository.Root, "docs", "hr-events.schema.json"));

    [Fact]
    public async Task EveryCliSample_IsValidAgainstTheSchema()
    {
        var schema = await JsonSchema.FromJsonAsync(SchemaText);
        foreach (var type in HrSamples.Types)
        {
            var sample = HrSamples.Create(type, new SampleOptions { OccurredAt = new DateTimeOffset(2026, 11, 25, 9, 0, 0, TimeSpan.Zero) }).ToJsonString();
            var errors = schema.Validate(sample);
            Assert.True(errors.Count == 0, $"{type}: {string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}"))}");
        }
    }

    [Fact]
    public async Task TheSchemasExamples_CoverEveryType_AndPassTheIngestCheck()
    {
        var schema = await JsonSchema.FromJsonAsync(SchemaText);
        using var document = JsonDocument.Parse(SchemaText);
        var types = new List<string>();
        foreach (var example in document.RootElement.GetProperty("examples").EnumerateArray())
        {
            Assert.Empty(schema.Validate(example.GetRawText()));
            Assert.True(HrEvent.TryParse(Encoding.UTF8.GetBytes(example.GetRawText()), out var parsed, out var problem), problem);
            types.Add(parsed!.TypeName);
        }

        Assert.Equal(HrEvent.TypeNames.Order(), types.Order());
    }

    [Fact]
    public async Task TheSchemasRequiredFields_AreTheOnesIngestRequires()
    {
        var schema = await JsonSchema.FromJsonAsync(SchemaText);
        Assert.Equal(["data", "id", "occurred_at", "type"], schema.RequiredProperties.Order());
        Assert.Equal(["email", "employee_id"], schema.Properties["data"].RequiredProperties.Order());
        var enumerated = schema.Properties["type"].Enumeration.Select(e => (string)e!).Order();
        Assert.Equal(HrEvent.TypeNames.Order(), enumerated);

        foreach (var required in new[] { "employee_id", "email" })
        {
            var sample = HrSamples.Create("employee.hired", new SampleOptions { OccurredAt = DateTimeOffset.UnixEpoch });
            sample["data"]!.AsObject().Remove(required);
            Assert.NotEmpty(schema.Validate(sample.ToJsonString()));
            Assert.False(HrEvent.TryParse(Encoding.UTF8.GetBytes(sample.ToJsonString()), out _, out var problem));
            Assert.Contains($"data.{required}", problem, StringComparison.Ordinal);
        }
    }
}
