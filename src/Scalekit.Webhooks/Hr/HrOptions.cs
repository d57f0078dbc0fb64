using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Scalekit.Webhooks.Hosting;

namespace Scalekit.Webhooks.Hr;

/// <summary>What a termination does in Scalekit.</summary>
public enum HrTerminationMode
{
    /// <summary>Mark the user terminated, then remove the membership (Scalekit deletes a user left with none).</summary>
    RemoveMembership,

    /// <summary>Only mark the user terminated; the membership stays.</summary>
    MarkOnly,
}

/// <summary>How HR events become Scalekit users. Read from flat app settings, validated at start.</summary>
public sealed class HrOptions : IIntegrationSettings
{
    public const string DepartmentRolesSetting = "HR_DEPARTMENT_ROLES";
    public const string SendInvitationsSetting = "HR_SEND_INVITATIONS";
    public const string TerminationSetting = "HR_TERMINATION";

    /// <summary>Department → Scalekit role names given to its employees. Default none: Scalekit's default role.</summary>
    [Required]
    public IReadOnlyDictionary<string, IReadOnlyList<string>> DepartmentRoles { get; set; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Whether Scalekit emails an invitation when a hire creates a membership. Default true, as Scalekit's guide does.</summary>
    public bool SendInvitations { get; set; } = true;

    /// <summary>What <c>employee.terminated</c> does. Default: remove the membership.</summary>
    [EnumDataType(typeof(HrTerminationMode), ErrorMessage = TerminationSetting + " must be 'remove-membership' or 'mark-only'.")]
    public HrTerminationMode Termination { get; set; } = HrTerminationMode.RemoveMembership;

    /// <summary>Why the HR sync is off because of these settings (naming the setting); null when they are usable.</summary>
    public string? Problem { get; set; }

    /// <summary>The roles of <paramref name="department"/>, empty when it has none mapped (department names ignore case).</summary>
    public IReadOnlyList<string> RolesFor(string? department) =>
        department is not null && DepartmentRoles.TryGetValue(department, out var roles) ? roles : [];

    internal static void Bind(HrOptions options, IConfiguration configuration)
    {
        if (configuration[DepartmentRolesSetting] is { Length: > 0 } roles)
        {
            try
            {
                var parsed = JsonSerializer.Deserialize<Dictionary<string, string[]>>(roles) ?? [];
                if (parsed.Values.Any(list => list is null || list.Any(string.IsNullOrWhiteSpace)))
                {
                    throw new JsonException("a role list is null or holds an empty name");
                }

                options.DepartmentRoles = parsed.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value, StringComparer.OrdinalIgnoreCase);
            }
            catch (Exception ex) when (ex is JsonException or ArgumentException)
            {
                throw SettingValue.Invalid(DepartmentRolesSetting, $"must be a JSON object of department → role names, e.g. {{\"Engineering\": [\"member\", \"engineer\"]}} ({ex.Message})");
            }
        }

        if (configuration[SendInvitationsSetting] is { Length: > 0 } send)
        {
            options.SendInvitations = bool.TryParse(send, out var value) ? value : throw SettingValue.Invalid(SendInvitationsSetting, "must be 'true' or 'false'");
        }

        switch (configuration[TerminationSetting]?.Trim().ToLowerInvariant())
        {
            case null or "":
                break;
            case "remove-membership":
                options.Termination = HrTerminationMode.RemoveMembership;
                break;
            case "mark-only":
                options.Termination = HrTerminationMode.MarkOnly;
                break;
            default:
                throw SettingValue.Invalid(TerminationSetting, "must be 'remove-membership' or 'mark-only'");
        }
    }
}

[OptionsValidator]
internal sealed partial class HrOptionsValidator : IValidateOptions<HrOptions>;
