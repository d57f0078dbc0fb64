namespace Scalekit.Webhooks.Ingest;

/// <summary>
/// Who sent an event: the source's wire name, the one spelling used in routes (<c>/api/webhooks/{name}</c>),
/// envelopes, queue names (<c>{name}-events</c>), ledger partitions and dead letters. Each source's folder declares
/// its own; <see cref="EventSources"/> finds one by name.
/// </summary>
public readonly record struct WebhookSource
{
    /// <summary>Longest name: the poison queue of the last shard (<c>{name}-events-15-poison</c>) must fit a queue name's 63 characters.</summary>
    public const int MaxNameLength = 40;

    /// <param name="name">Lower-case letters and digits, starting with a letter (queue and container names allow no more).</param>
    public WebhookSource(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > MaxNameLength || !char.IsAsciiLetterLower(name[0]) || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            throw new ArgumentException($"A source name is 1 to {MaxNameLength} lower-case letters and digits, starting with a letter; '{name}' is not.", nameof(name));
        }

        Name = name;
    }

    public string Name { get; }

    public override string ToString() => Name;
}
