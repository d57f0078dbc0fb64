using System.Globalization;

namespace Scalekit.Webhooks.Crm;

/// <summary>The org's API calls used and allocated over a rolling 24 hours, from the <c>Sforce-Limit-Info</c> header.</summary>
public sealed record ApiUsage(long Used, long Allocated)
{
    public const string Header = "Sforce-Limit-Info";

    public double Percent => Allocated <= 0 ? 100 : 100.0 * Used / Allocated;

    /// <summary>Reads <c>api-usage=10018/100000</c> (other entries in the header are passed over).</summary>
    public static ApiUsage? Parse(string? header)
    {
        foreach (var entry in (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0].Equals("api-usage", StringComparison.OrdinalIgnoreCase)
                && parts[1].Split('/') is [var used, var allocated]
                && long.TryParse(used, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
                && long.TryParse(allocated, NumberStyles.None, CultureInfo.InvariantCulture, out var a))
            {
                return new ApiUsage(u, a);
            }
        }

        return null;
    }
}
