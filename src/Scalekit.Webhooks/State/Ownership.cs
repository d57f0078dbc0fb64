namespace Scalekit.Webhooks.State;

/// <summary>Who writes a fact into a customer's organization (or its Salesforce account and Stripe customer).</summary>
public enum FactWriter
{
    Onboarding,
    Billing,
    Crm,
    Hr,

    /// <summary>Anything no writer claims: the customer's own, never removed.</summary>
    Customer,
}

/// <summary>Where a fact lives.</summary>
public enum FactKind
{
    OrganizationMetadata,
    Feature,
    SalesforceField,
    StripeCustomerMetadata,
}

/// <summary>How a writer uses a fact it owns.</summary>
public enum FactUse
{
    /// <summary>Written, and removed when the writer no longer has a value for it.</summary>
    Written,

    /// <summary>Written when known and never removed by its writer (a person may set it too).</summary>
    SetOnly,

    /// <summary>Written by an earlier layout or the other metadata mode; only ever removed, on the writer's next write.</summary>
    Former,
}

/// <summary>One writer's claim on one fact, and the setting (or built-in layout) that makes the claim.</summary>
public sealed record OwnershipClaim(FactKind Kind, string Name, FactWriter Writer, string Setting, FactUse Use = FactUse.Written);

/// <summary>Two claims on one fact: the earlier claimant keeps it, the later runs without it.</summary>
public sealed record OwnershipConflict(OwnershipClaim Kept, OwnershipClaim Lost)
{
    public string Message =>
        $"The {Describe(Kept.Kind)} '{Kept.Name}' is claimed by both {Kept.Setting} ({Name(Kept.Writer)}) and {Lost.Setting} ({Name(Lost.Writer)}): " +
        $"{Name(Kept.Writer)} owns it and {Name(Lost.Writer)} leaves it alone; remove or rename it in one of them.";

    internal static string Describe(FactKind kind) => kind switch
    {
        FactKind.OrganizationMetadata => "organization metadata key",
        FactKind.Feature => "feature",
        FactKind.SalesforceField => "Salesforce field",
        _ => "Stripe customer metadata key",
    };

    internal static string Name(FactWriter writer) => writer switch
    {
        FactWriter.Crm => "the CRM sync",
        FactWriter.Hr => "HR",
        _ => writer.ToString().ToLowerInvariant(),
    };
}

/// <summary>
/// The one table of who writes what: every organization metadata key, Scalekit feature, Salesforce field and Stripe
/// customer metadata key the product writes has exactly one writer; anything else is the customer's. Built once at
/// start from the configured settings, claims in order (onboarding's fixed keys, then billing, then the CRM sync): a
/// fact claimed twice stays with its first claimant, the later one runs without it and the conflict names both
/// settings. Every writer asks the table which facts are its own and writes, merges and removes only those.
/// </summary>
public sealed class Ownership
{
    /// <summary>Above this many pairs at worst (Scalekit's limit) start-up and the stats warn, naming the settings that cause it.</summary>
    public const int WarnAbovePairs = 10;

    private readonly Dictionary<(FactKind Kind, string Name), OwnershipClaim> _owners = [];

    private readonly IReadOnlyDictionary<FactWriter, string> _shrinkHints;

    private Ownership(IReadOnlyDictionary<FactWriter, string> shrinkHints) => _shrinkHints = shrinkHints;

    /// <summary>Every fact with its one owner, in claim order.</summary>
    public IReadOnlyList<OwnershipClaim> Facts { get; private set; } = [];

    /// <summary>Facts claimed twice, each kept by its first claimant.</summary>
    public IReadOnlyList<OwnershipConflict> Conflicts { get; private set; } = [];

    /// <param name="claims">Every writer's claims, the earlier claimant first.</param>
    /// <param name="shrinkHints">Per writer, which settings make it need fewer metadata pairs.</param>
    public static Ownership From(IEnumerable<OwnershipClaim> claims, IReadOnlyDictionary<FactWriter, string>? shrinkHints = null)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var table = new Ownership(shrinkHints ?? new Dictionary<FactWriter, string>());
        var facts = new List<OwnershipClaim>();
        var conflicts = new List<OwnershipConflict>();
        foreach (var claim in claims)
        {
            if (!table._owners.TryGetValue((claim.Kind, claim.Name), out var kept))
            {
                table._owners[(claim.Kind, claim.Name)] = claim;
                facts.Add(claim);
            }
            else if (kept.Writer != claim.Writer)
            {
                conflicts.Add(new OwnershipConflict(kept, claim));
            }
        }

        table.Facts = facts;
        table.Conflicts = conflicts;
        return table;
    }

    /// <summary>The writer of <paramref name="name"/>, or <see cref="FactWriter.Customer"/> when nobody claims it.</summary>
    public FactWriter WriterOf(FactKind kind, string name) => _owners.TryGetValue((kind, name), out var claim) ? claim.Writer : FactWriter.Customer;

    public bool Owns(FactWriter writer, FactKind kind, string name) => WriterOf(kind, name) == writer;

    /// <summary>
    /// The organization metadata keys <paramref name="writer"/> may remove when it merges: the keys it writes and its
    /// former layout's, never a key it only sets (<see cref="FactUse.SetOnly"/>) nor anyone else's.
    /// </summary>
    public IReadOnlySet<string> RemovableKeys(FactWriter writer) =>
        Facts.Where(f => f.Writer == writer && f.Kind == FactKind.OrganizationMetadata && f.Use != FactUse.SetOnly).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Only the entries of <paramref name="pairs"/> whose key <paramref name="writer"/> owns.</summary>
    public Dictionary<string, string> OwnPairs(FactWriter writer, IReadOnlyDictionary<string, string> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        return pairs.Where(p => Owns(writer, FactKind.OrganizationMetadata, p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
    }

    /// <summary>The conflicts <paramref name="writer"/> lost, as configuration problems naming both settings.</summary>
    public IReadOnlyList<string> ProblemsOf(FactWriter writer) => [.. Conflicts.Where(c => c.Lost.Writer == writer).Select(c => c.Message)];

    /// <summary>The most organization metadata pairs each writer holds at once in its current layout.</summary>
    public IReadOnlyDictionary<FactWriter, int> WorstCasePairs() => Facts
        .Where(f => f.Kind == FactKind.OrganizationMetadata && f.Use != FactUse.Former)
        .GroupBy(f => f.Writer)
        .ToDictionary(g => g.Key, g => g.Count());

    /// <summary>
    /// A warning naming the settings that cause it when the writers together may need more than
    /// <paramref name="threshold"/> organization metadata pairs; null when they fit.
    /// </summary>
    public string? BudgetWarning(int threshold)
    {
        var pairs = WorstCasePairs();
        var total = pairs.Values.Sum();
        if (total <= threshold)
        {
            return null;
        }

        var parts = pairs.OrderBy(p => p.Key).Select(p => $"{OwnershipConflict.Name(p.Key)} {p.Value}{(_shrinkHints.TryGetValue(p.Key, out var hint) ? $" ({hint})" : string.Empty)}");
        return $"Organization metadata may need {total} pairs, more than the {threshold} Scalekit allows: {string.Join(", ", parts)}. " +
            "An organization without room gets no update from the writer that does not fit (listed as over budget); use the compact metadata modes or map fewer fields.";
    }

    /// <summary>The keys of <paramref name="metadata"/> grouped by writer (the customer's own under <see cref="FactWriter.Customer"/>).</summary>
    public IReadOnlyDictionary<FactWriter, IReadOnlyList<string>> PairsByWriter(IEnumerable<string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata
            .GroupBy(key => WriterOf(FactKind.OrganizationMetadata, key))
            .OrderBy(g => g.Key)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Order(StringComparer.Ordinal)]);
    }
}
