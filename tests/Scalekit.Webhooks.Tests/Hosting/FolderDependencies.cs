using System.Reflection;
using System.Reflection.Emit;

namespace Scalekit.Webhooks.Tests.Hosting;

/// <summary>
/// Which top-level folders of the core use which: read from every type's signatures and from the tokens in its
/// method bodies (calls, field reads, casts, typeof), so a static call such as <c>BillingHealth.ReadLedgerAsync</c>
/// counts as much as a constructor parameter. A folder is the namespace segment after <c>Scalekit.Webhooks.</c>.
/// </summary>
internal static class FolderDependencies
{
    private const string Root = "Scalekit.Webhooks.";
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    /// <summary>Every edge "from folder uses to folder", with one type of each side as the example that shows it.</summary>
    public static IReadOnlyDictionary<(string From, string To), string> Of(Assembly assembly)
    {
        var edges = new Dictionary<(string, string), string>();
        foreach (var type in assembly.GetTypes())
        {
            if (Folder(type) is not { } from)
            {
                continue;
            }

            foreach (var used in UsedTypes(type))
            {
                if (Folder(used) is { } to && to != from)
                {
                    edges.TryAdd((from, to), $"{Outermost(type).FullName} uses {Outermost(used).FullName}");
                }
            }
        }

        return edges;
    }

    /// <summary>A cycle between folders as "A → B → A", or null when the graph has none.</summary>
    public static string? FindCycle(IEnumerable<(string From, string To)> edges)
    {
        var next = edges.GroupBy(edge => edge.From).ToDictionary(group => group.Key, group => group.Select(edge => edge.To).Order(StringComparer.Ordinal).ToList());
        var done = new HashSet<string>();
        var path = new List<string>();

        string? Visit(string folder)
        {
            var at = path.IndexOf(folder);
            if (at >= 0)
            {
                return string.Join(" → ", path.Skip(at).Append(folder));
            }

            if (!done.Add(folder))
            {
                return null;
            }

            path.Add(folder);
            foreach (var to in next.GetValueOrDefault(folder) ?? [])
            {
                if (Visit(to) is { } cycle)
                {
                    return cycle;
                }
            }

            path.RemoveAt(path.Count - 1);
            return null;
        }

        return next.Keys.Order(StringComparer.Ordinal).Select(Visit).FirstOrDefault(cycle => cycle is not null);
    }

    public static string? Folder(Type type)
    {
        var name = Outermost(type).Namespace;
        if (name is null || !name.StartsWith(Root, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = name[Root.Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static HashSet<Type> UsedTypes(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? used)
        {
            if (used is null || !found.Add(used))
            {
                return;
            }

            if (used.HasElementType)
            {
                Add(used.GetElementType());
            }

            if (used.IsGenericType)
            {
                foreach (var argument in used.GetGenericArguments())
                {
                    Add(argument);
                }
            }
        }

        Add(type.BaseType);
        foreach (var contract in type.GetInterfaces())
        {
            Add(contract);
        }

        foreach (var field in type.GetFields(Declared))
        {
            Add(field.FieldType);
        }

        foreach (var property in type.GetProperties(Declared))
        {
            Add(property.PropertyType);
        }

        foreach (var method in type.GetMethods(Declared).Cast<MethodBase>().Concat(type.GetConstructors(Declared)))
        {
            if (method is MethodInfo info)
            {
                Add(info.ReturnType);
            }

            foreach (var parameter in method.GetParameters())
            {
                Add(parameter.ParameterType);
            }

            foreach (var used in BodyTypes(method))
            {
                Add(used);
            }
        }

        return found;
    }

    private static IEnumerable<Type> BodyTypes(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var module = method.Module;
        var typeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var value = (short)il[at++];
            if (value == 0xFE)
            {
                value = (short)(0xFE00 | il[at++]);
            }

            var code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineSwitch:
                    at += 4 + (4 * BitConverter.ToInt32(il, at));
                    break;
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok or OperandType.InlineType:
                    var member = module.ResolveMember(BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                    at += 4;
                    if (member is Type used)
                    {
                        yield return used;
                    }
                    else if (member?.DeclaringType is { } owner)
                    {
                        yield return owner;
                        if (member is MethodInfo called)
                        {
                            yield return called.ReturnType;
                        }
                        else if (member is FieldInfo field)
                        {
                            yield return field.FieldType;
                        }
                    }

                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }
}
