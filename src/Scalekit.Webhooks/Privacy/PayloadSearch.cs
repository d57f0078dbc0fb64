using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Scalekit.Webhooks.Privacy;

/// <summary>Whether a stored event body mentions a person: any string value in it equal to the subject (escapes decoded).</summary>
internal static class PayloadSearch
{
    public static bool Mentions(ReadOnlySpan<byte> json, string subject, StringComparison comparison) =>
        MentionsAny(json, [new ErasureSubject(comparison == StringComparison.Ordinal ? ErasureSubjectKind.UserId : ErasureSubjectKind.Email, subject)]);

    /// <summary>Whether any string value of <paramref name="json"/> equals one of <paramref name="subjects"/>; text that is not JSON is searched as text.</summary>
    public static bool MentionsAny(ReadOnlySpan<byte> json, IReadOnlyList<ErasureSubject> subjects)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.GetString() is { } value
                    && subjects.Any(subject => string.Equals(value, subject.Value, subject.Comparison)))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not readable JSON (never stored by ingest): fall back to the raw bytes.
            var text = Encoding.UTF8.GetString(json);
            return subjects.Any(subject => text.Contains(subject.Value, subject.Comparison));
        }

        return false;
    }
}

/// <summary>Finds one erasure's subjects in free text (ledger details, errors, dead-letter reasons) and replaces them.</summary>
internal sealed class SubjectText
{
    /// <summary>What a subject is replaced with in free text.</summary>
    public const string Erased = "[erased]";

    private readonly Regex? _pattern;

    public SubjectText(IReadOnlyList<ErasureSubject> subjects)
    {
        // A subject counts only as a whole token: usr_1 is not found inside usr_12.
        var alternatives = subjects.Select(subject => subject.Kind == ErasureSubjectKind.Email ? $"(?i:{Regex.Escape(subject.Value)})" : Regex.Escape(subject.Value)).ToList();
        _pattern = alternatives.Count == 0 ? null
            : new Regex($"(?<![A-Za-z0-9_.+-])(?:{string.Join('|', alternatives)})(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    /// <summary>The text with every subject replaced; the same instance when none was found.</summary>
    public string Redact(string text) => _pattern is null || !_pattern.IsMatch(text) ? text : _pattern.Replace(text, Erased);
}
