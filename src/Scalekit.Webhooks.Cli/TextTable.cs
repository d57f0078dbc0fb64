namespace Scalekit.Webhooks.Cli;

/// <summary>A plain, aligned text table for people reading a terminal.</summary>
public static class TextTable
{
    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var all = rows.Select(r => r.Select(c => c ?? string.Empty).ToArray()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => i < r.Length ? r[i].Length : 0))).ToArray();
        var lines = new List<string>
        {
            Line(headers, widths),
            string.Join("  ", widths.Select(w => new string('-', w))),
        };
        lines.AddRange(all.Select(r => Line(r, widths)));
        return string.Join(Environment.NewLine, lines);
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", widths.Select((w, i) => (i < cells.Count ? cells[i] : string.Empty).PadRight(w))).TrimEnd();
}
