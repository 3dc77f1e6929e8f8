using System.Globalization;
using System.Text;

namespace OpenWfp.Engine.Security;

/// <summary>The three-valued result of a conditional expression (MS-DTYP 2.5.3.1.1).</summary>
public enum ConditionResult : byte
{
    /// <summary>The condition does not hold.</summary>
    False,

    /// <summary>The condition holds.</summary>
    True,

    /// <summary>The condition cannot be decided: an attribute is absent or the operand types do not fit.</summary>
    Unknown,
}

/// <summary>
/// The conditional expression of a callback ACE (<c>XA</c>, <c>XD</c>, <c>ZA</c>): written in SDDL inside the ACE,
/// stored as MS-DTYP 2.4.4.17.4 "artx" application data, and evaluated against a token's claims and SIDs.
/// </summary>
/// <remarks>
/// <para>
/// SDDL (https://learn.microsoft.com/en-us/windows/win32/secauthz/security-descriptor-definition-language-for-conditional-aces-):
/// operators <c>== != &lt; &lt;= &gt; &gt;=</c>, <c>Contains</c>, <c>Any_of</c>, <c>Not_Contains</c>,
/// <c>Not_Any_of</c>, <c>Member_of</c>, <c>Not_Member_of</c>, <c>Member_of_Any</c>, <c>Not_Member_of_Any</c>,
/// <c>Device_Member_of</c>, <c>Not_Device_Member_of</c>, <c>Device_Member_of_Any</c>,
/// <c>Not_Device_Member_of_Any</c>, <c>Exists</c>, <c>Not_Exists</c>, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>
/// (keywords case-insensitive; <c>!</c> binds tighter than <c>&amp;&amp;</c>, which binds tighter than
/// <c>||</c>); attributes <c>@User.x</c>, <c>@Device.x</c>, <c>@Resource.x</c> and local attributes written bare
/// (<c>WIN://SYSAPPID</c>); literals: integers (decimal, <c>0x</c> hex, leading-zero octal, optional sign), strings
/// <c>"…"</c>, <c>SID(…)</c> (string or alias), octet strings <c>#hex</c> and composites <c>{a, b}</c>.
/// <see cref="ToSddl"/> writes every sub-expression in parentheses, as Windows does, so the Windows Firewall form
/// <c>(WIN://SYSAPPID Contains "…")</c> comes back unchanged.
/// </para>
/// <para>
/// Evaluation (<see cref="Evaluate"/>): an attribute the token does not carry is NULL, and a relational operator
/// with a NULL operand is UNKNOWN; <c>Exists</c> is TRUE or FALSE; <c>&amp;&amp;</c>, <c>||</c> and <c>!</c> follow
/// three-valued logic. Strings compare case-insensitively; integers compare numerically across signed, unsigned and
/// boolean values; values of types that cannot be compared give UNKNOWN. <c>==</c> and <c>!=</c> between
/// multi-valued operands compare them as sets; <c>&lt;</c> and friends need single values. <c>Contains</c> is TRUE
/// when the left operand holds every right value, <c>Any_of</c> when it holds at least one. <c>Member_of</c> needs
/// every SID in the token's user and groups, <c>Member_of_Any</c> one of them. Linux has no device token, so the
/// <c>Device_Member_of</c> family is UNKNOWN; resource attributes live in the SACL, which is not kept
/// (docs/IDENTITY.md, Claims), so <c>@Resource.</c> attributes are NULL. A bare attribute used as a condition is
/// TRUE when it is a non-zero integer or boolean.
/// </para>
/// </remarks>
public sealed class ConditionalExpression : IEquatable<ConditionalExpression>
{
    private readonly byte[] _binary;
    private readonly int _hashCode;

    internal ConditionalExpression(ConditionNode root)
    {
        Root = root;
        _binary = ConditionalBinary.Encode(root);
        var hash = new HashCode();
        hash.AddBytes(_binary);
        _hashCode = hash.ToHashCode();
    }

    internal ConditionNode Root { get; }

    /// <summary>Parses a condition as written in the seventh field of a callback ACE, parentheses included.</summary>
    /// <param name="sddl">E.g. <c>(WIN://SYSAPPID Contains "Contoso.App_8wekyb3d8bbwe")</c>.</param>
    /// <returns>The expression.</returns>
    /// <exception cref="FormatException">The text is malformed; the message gives the position.</exception>
    public static ConditionalExpression ParseSddl(string sddl)
    {
        ArgumentNullException.ThrowIfNull(sddl);
        return TryParseSddl(sddl, out var e, out var error) ? e! : throw new FormatException(error);
    }

    /// <summary>Parses a condition without throwing; see <see cref="ParseSddl"/>.</summary>
    /// <param name="sddl">The text.</param>
    /// <param name="expression">The expression on success.</param>
    /// <param name="error">Why parsing failed, or null.</param>
    /// <returns>Whether the text was valid.</returns>
    public static bool TryParseSddl(string? sddl, out ConditionalExpression? expression, out string? error)
    {
        expression = null;
        if (sddl is null)
        {
            error = "the condition is null";
            return false;
        }

        var parser = new ConditionalSddlParser(sddl);
        if (!parser.TryParseCondition(out var root, out error))
        {
            return false;
        }

        expression = new ConditionalExpression(root!);
        return true;
    }

    /// <summary>Decodes MS-DTYP 2.4.4.17.4 application data: the "artx" signature, postfix tokens, zero padding.</summary>
    /// <param name="applicationData">The bytes after the SID of a callback ACE.</param>
    /// <returns>The expression.</returns>
    /// <exception cref="FormatException">The bytes are not a valid conditional expression; the message gives the offset.</exception>
    public static ConditionalExpression FromBinary(ReadOnlySpan<byte> applicationData) =>
        ConditionalBinary.TryDecode(applicationData, out var root, out var error)
            ? new ConditionalExpression(root!)
            : throw new FormatException(error);

    /// <summary>The MS-DTYP 2.4.4.17.4 application data, padded with zeros to a multiple of four bytes.</summary>
    /// <returns>A new array.</returns>
    public byte[] ToBinary() => (byte[])_binary.Clone();

    /// <summary>The condition in SDDL, fully parenthesised.</summary>
    /// <returns>The text.</returns>
    public string ToSddl()
    {
        var builder = new StringBuilder(64);
        AppendSddl(builder);
        return builder.ToString();
    }

    /// <summary>Same as <see cref="ToSddl"/>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => ToSddl();

    /// <summary>Evaluates the condition for <paramref name="token"/>; the rules are in the type remarks. Does not allocate.</summary>
    /// <param name="token">The token whose claims and SIDs the condition reads.</param>
    /// <returns>TRUE, FALSE or UNKNOWN.</returns>
    public ConditionResult Evaluate(FwpToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return ConditionEvaluator.Evaluate(Root, token);
    }

    /// <inheritdoc/>
    public bool Equals(ConditionalExpression? other) =>
        other is not null && _hashCode == other._hashCode && _binary.AsSpan().SequenceEqual(other._binary);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ConditionalExpression);

    /// <inheritdoc/>
    public override int GetHashCode() => _hashCode;

    internal void AppendSddl(StringBuilder builder) => AppendCondition(builder, Root);

    internal static void AppendAttribute(StringBuilder builder, ClaimScope scope, string name)
    {
        builder.Append(scope switch
        {
            ClaimScope.User => "@User.",
            ClaimScope.Device => "@Device.",
            ClaimScope.Resource => "@Resource.",
            _ => "",
        });
        builder.Append(name);
    }

    private static void AppendCondition(StringBuilder builder, ConditionNode node)
    {
        switch (node)
        {
            case OperatorNode { Right: { } right } op when ConditionOps.IsLogical(op.Op):
                builder.Append('(');
                AppendCondition(builder, op.Left);
                builder.Append(' ').Append(ConditionOps.Text(op.Op)).Append(' ');
                AppendCondition(builder, right);
                builder.Append(')');
                break;
            case OperatorNode { Op: ConditionOps.Not } not:
                builder.Append("(!");
                AppendCondition(builder, not.Left);
                builder.Append(')');
                break;
            case OperatorNode { Right: { } right } rel:
                builder.Append('(');
                AppendOperand(builder, rel.Left);
                builder.Append(' ').Append(ConditionOps.Text(rel.Op)).Append(' ');
                AppendOperand(builder, right);
                builder.Append(')');
                break;
            case OperatorNode unary:
                builder.Append('(').Append(ConditionOps.Text(unary.Op)).Append(' ');
                AppendOperand(builder, unary.Left);
                builder.Append(')');
                break;
            default:
                builder.Append('(');
                AppendOperand(builder, node);
                builder.Append(')');
                break;
        }
    }

    private static void AppendOperand(StringBuilder builder, ConditionNode node)
    {
        if (node is AttributeNode attribute)
        {
            AppendAttribute(builder, attribute.Scope, attribute.Name);
            return;
        }

        var literal = (LiteralNode)node;
        if (literal.IsComposite)
        {
            builder.Append('{');
            for (var i = 0; i < literal.Elements.Length; i++)
            {
                builder.Append(i == 0 ? "" : ", ");
                AppendElement(builder, literal.Elements[i]);
            }

            builder.Append('}');
        }
        else
        {
            AppendElement(builder, literal.Elements[0]);
        }
    }

    private static void AppendElement(StringBuilder builder, LiteralElement element)
    {
        if (element.Item.Type != ClaimValueType.Int64)
        {
            builder.Append(element.Item.ToString());
            return;
        }

        var value = element.Item.Integer;
        if (value < 0)
        {
            builder.Append('-');
        }
        else if (element.Sign == LiteralElement.SignPlus)
        {
            builder.Append('+');
        }

        var magnitude = value < 0 ? unchecked((ulong)(-value)) : (ulong)value;
        switch (element.Base)
        {
            case LiteralElement.BaseHex:
                builder.Append("0x").Append(magnitude.ToString("x", CultureInfo.InvariantCulture));
                break;
            case LiteralElement.BaseOctal:
                builder.Append('0');
                var digits = new StringBuilder();
                do
                {
                    digits.Insert(0, (char)('0' + (int)(magnitude % 8)));
                    magnitude /= 8;
                }
                while (magnitude != 0);
                builder.Append(digits);
                break;
            default:
                builder.Append(magnitude.ToString(CultureInfo.InvariantCulture));
                break;
        }
    }
}

/// <summary>The operator byte-codes of MS-DTYP 2.4.4.17.6 and 2.4.4.17.7, and their SDDL spellings.</summary>
internal static class ConditionOps
{
    public const byte Equal = 0x80;
    public const byte NotEqual = 0x81;
    public const byte Less = 0x82;
    public const byte LessOrEqual = 0x83;
    public const byte Greater = 0x84;
    public const byte GreaterOrEqual = 0x85;
    public const byte Contains = 0x86;
    public const byte Exists = 0x87;
    public const byte AnyOf = 0x88;
    public const byte MemberOf = 0x89;
    public const byte DeviceMemberOf = 0x8A;
    public const byte MemberOfAny = 0x8B;
    public const byte DeviceMemberOfAny = 0x8C;
    public const byte NotExists = 0x8D;
    public const byte NotContains = 0x8E;
    public const byte NotAnyOf = 0x8F;
    public const byte NotMemberOf = 0x90;
    public const byte NotDeviceMemberOf = 0x91;
    public const byte NotMemberOfAny = 0x92;
    public const byte NotDeviceMemberOfAny = 0x93;
    public const byte And = 0xA0;
    public const byte Or = 0xA1;
    public const byte Not = 0xA2;

    /// <summary>Keyword operators, longest first so a prefix never shadows a longer keyword.</summary>
    public static readonly (string Text, byte Op)[] Keywords =
    [
        ("Not_Device_Member_of_Any", NotDeviceMemberOfAny),
        ("Device_Member_of_Any", DeviceMemberOfAny),
        ("Not_Device_Member_of", NotDeviceMemberOf),
        ("Not_Member_of_Any", NotMemberOfAny),
        ("Device_Member_of", DeviceMemberOf),
        ("Member_of_Any", MemberOfAny),
        ("Not_Member_of", NotMemberOf),
        ("Not_Contains", NotContains),
        ("Not_Any_of", NotAnyOf),
        ("Not_Exists", NotExists),
        ("Member_of", MemberOf),
        ("Contains", Contains),
        ("Any_of", AnyOf),
        ("Exists", Exists),
    ];

    public static bool IsLogical(byte op) => op is And or Or or Not;

    public static bool IsMembership(byte op) => op is >= MemberOf and <= MemberOfAny or >= NotMemberOf and <= NotDeviceMemberOfAny;

    public static bool IsExistence(byte op) => op is Exists or NotExists;

    public static bool IsUnary(byte op) => op == Not || IsMembership(op) || IsExistence(op);

    public static bool IsBinaryRelational(byte op) => op is >= Equal and <= Contains or AnyOf or NotContains or NotAnyOf;

    public static bool IsKnown(byte op) => IsLogical(op) || IsUnary(op) || IsBinaryRelational(op);

    public static string Text(byte op) => op switch
    {
        Equal => "==",
        NotEqual => "!=",
        Less => "<",
        LessOrEqual => "<=",
        Greater => ">",
        GreaterOrEqual => ">=",
        And => "&&",
        Or => "||",
        Not => "!",
        _ => Array.Find(Keywords, k => k.Op == op).Text,
    };
}

internal abstract class ConditionNode
{
    /// <summary>Whether the node yields TRUE/FALSE/UNKNOWN (an operator, or a bare attribute) rather than a value.</summary>
    public abstract bool IsCondition { get; }
}

internal sealed class AttributeNode(ClaimScope scope, string name) : ConditionNode
{
    public ClaimScope Scope { get; } = scope;

    public string Name { get; } = name;

    public override bool IsCondition => true;
}

/// <summary>One literal value with what SDDL and the binary form need to write it back as it was written.</summary>
internal readonly record struct LiteralElement(ClaimItem Item, byte IntegerCode, byte Sign, byte Base)
{
    public const byte SignPlus = 0x01;
    public const byte SignMinus = 0x02;
    public const byte SignNone = 0x03;
    public const byte BaseOctal = 0x01;
    public const byte BaseDecimal = 0x02;
    public const byte BaseHex = 0x03;
}

internal sealed class LiteralNode : ConditionNode
{
    public LiteralNode(LiteralElement[] elements, bool isComposite)
    {
        Elements = elements;
        IsComposite = isComposite;
        Items = Array.ConvertAll(elements, e => e.Item);
    }

    public LiteralElement[] Elements { get; }

    public bool IsComposite { get; }

    public ClaimItem[] Items { get; }

    public override bool IsCondition => false;
}

internal sealed class OperatorNode : ConditionNode
{
    private OperatorNode(byte op, ConditionNode left, ConditionNode? right)
    {
        Op = op;
        Left = left;
        Right = right;
    }

    public byte Op { get; }

    public ConditionNode Left { get; }

    public ConditionNode? Right { get; }

    public override bool IsCondition => true;

    /// <summary>Builds an operator node after checking its operands fit (MS-DTYP 2.4.4.17.6-7); both parsers use it.</summary>
    public static bool TryCreate(byte op, ConditionNode left, ConditionNode? right, out OperatorNode? node, out string? error)
    {
        node = null;
        var text = ConditionOps.Text(op);
        if (op is ConditionOps.And or ConditionOps.Or)
        {
            if (right is null || !left.IsCondition || !right.IsCondition)
            {
                error = $"the operands of '{text}' must be conditions, not literal values";
                return false;
            }
        }
        else if (op == ConditionOps.Not)
        {
            if (!left.IsCondition)
            {
                error = "the operand of '!' must be a condition, not a literal value";
                return false;
            }
        }
        else if (ConditionOps.IsExistence(op))
        {
            if (left is not AttributeNode)
            {
                error = $"'{text}' takes an attribute";
                return false;
            }
        }
        else if (ConditionOps.IsMembership(op))
        {
            if (left is LiteralNode literal && Array.Exists(literal.Items, i => i.Type != ClaimValueType.Sid))
            {
                error = $"'{text}' takes SID literals, e.g. {{SID(BA), SID(S-1-5-32-545)}}";
                return false;
            }
        }
        else if (right is null || left is not AttributeNode || right.IsCondition && right is not AttributeNode)
        {
            error = $"'{text}' needs an attribute on the left and an attribute or literal on the right";
            return false;
        }

        node = new OperatorNode(op, left, right);
        error = null;
        return true;
    }
}
