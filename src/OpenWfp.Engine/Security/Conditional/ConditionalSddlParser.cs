using System.Globalization;

namespace OpenWfp.Engine.Security;

/// <summary>Recursive-descent parser for SDDL conditional expressions and claim assignments; grammar on <see cref="ConditionalExpression"/>.</summary>
internal sealed class ConditionalSddlParser(string text)
{
    private int _pos;

    public bool AtEnd
    {
        get
        {
            SkipSpace();
            return _pos >= text.Length;
        }
    }

    public bool TryParseCondition(out ConditionNode? root, out string? error)
    {
        root = null;
        SkipSpace();
        if (!Peek('('))
        {
            error = Fail("a condition starts with '('");
            return false;
        }

        if (!TryParseOr(out root, out error))
        {
            return false;
        }

        if (!AtEnd)
        {
            error = Fail("unexpected text after the condition");
            return false;
        }

        return true;
    }

    public bool TryParseClaim(out ClaimScope scope, out string? name, out IReadOnlyList<ClaimItem>? values, out string? error)
    {
        values = null;
        if (!TryParseAttribute(out scope, out name, out error))
        {
            return false;
        }

        SkipSpace();
        if (!Peek('='))
        {
            error = Fail($"expected '=' after the claim name '{name}'");
            return false;
        }

        _pos++;
        if (!TryParseLiteral(out var literal, out error))
        {
            return false;
        }

        values = literal!.Items;
        return true;
    }

    public bool TrySkipSeparator(char separator, out string? error)
    {
        error = null;
        if (AtEnd)
        {
            return true;
        }

        if (!Peek(separator))
        {
            error = Fail($"expected '{separator}'");
            return false;
        }

        _pos++;
        return true;
    }

    private bool TryParseOr(out ConditionNode? node, out string? error)
    {
        if (!TryParseAnd(out node, out error))
        {
            return false;
        }

        while (TryConsume("||"))
        {
            if (!TryParseAnd(out var right, out error) || !Combine(ConditionOps.Or, ref node, right, out error))
            {
                return false;
            }
        }

        return true;
    }

    private bool TryParseAnd(out ConditionNode? node, out string? error)
    {
        if (!TryParseUnary(out node, out error))
        {
            return false;
        }

        while (TryConsume("&&"))
        {
            if (!TryParseUnary(out var right, out error) || !Combine(ConditionOps.And, ref node, right, out error))
            {
                return false;
            }
        }

        return true;
    }

    private bool Combine(byte op, ref ConditionNode? left, ConditionNode? right, out string? error)
    {
        if (!OperatorNode.TryCreate(op, left!, right, out var combined, out var why))
        {
            error = Fail(why!);
            return false;
        }

        left = combined;
        error = null;
        return true;
    }

    private bool TryParseUnary(out ConditionNode? node, out string? error)
    {
        SkipSpace();
        if (Peek('!') && !PeekAt(1, '='))
        {
            _pos++;
            if (!TryParseUnary(out var operand, out error))
            {
                node = null;
                return false;
            }

            return MakeOperator(ConditionOps.Not, operand!, null, out node, out error);
        }

        return TryParsePrimary(out node, out error);
    }

    private bool TryParsePrimary(out ConditionNode? node, out string? error)
    {
        node = null;
        SkipSpace();
        if (Peek('('))
        {
            _pos++;
            if (!TryParseOr(out node, out error))
            {
                return false;
            }

            SkipSpace();
            if (!Peek(')'))
            {
                error = Fail("expected ')'");
                return false;
            }

            _pos++;
            return true;
        }

        if (TryKeyword(out var op))
        {
            if (!ConditionOps.IsMembership(op) && !ConditionOps.IsExistence(op))
            {
                error = Fail($"'{ConditionOps.Text(op)}' needs an attribute on its left");
                return false;
            }

            ConditionNode? operand;
            if (ConditionOps.IsExistence(op))
            {
                if (!TryParseAttribute(out var scope, out var name, out error))
                {
                    return false;
                }

                operand = new AttributeNode(scope, name!);
            }
            else if (!TryParseOperand(out operand, out error))
            {
                return false;
            }

            return MakeOperator(op, operand!, null, out node, out error);
        }

        if (!TryParseAttribute(out var lhsScope, out var lhsName, out error))
        {
            return false;
        }

        var lhs = new AttributeNode(lhsScope, lhsName!);
        SkipSpace();
        byte relational = 0;
        foreach (var (symbol, code) in Relations)
        {
            if (TryConsume(symbol))
            {
                relational = code;
                break;
            }
        }

        if (relational == 0 && TryKeyword(out var keyword))
        {
            if (!ConditionOps.IsBinaryRelational(keyword))
            {
                error = Fail($"'{ConditionOps.Text(keyword)}' cannot follow an attribute");
                return false;
            }

            relational = keyword;
        }

        if (relational == 0)
        {
            node = lhs;
            error = null;
            return true;
        }

        if (!TryParseOperand(out var rhs, out error))
        {
            return false;
        }

        return MakeOperator(relational, lhs, rhs, out node, out error);
    }

    private static readonly (string Symbol, byte Op)[] Relations =
    [
        ("==", ConditionOps.Equal),
        ("!=", ConditionOps.NotEqual),
        ("<=", ConditionOps.LessOrEqual),
        (">=", ConditionOps.GreaterOrEqual),
        ("<", ConditionOps.Less),
        (">", ConditionOps.Greater),
    ];

    private bool MakeOperator(byte op, ConditionNode left, ConditionNode? right, out ConditionNode? node, out string? error)
    {
        if (!OperatorNode.TryCreate(op, left, right, out var created, out var why))
        {
            node = null;
            error = Fail(why!);
            return false;
        }

        node = created;
        error = null;
        return true;
    }

    private bool TryParseOperand(out ConditionNode? node, out string? error)
    {
        SkipSpace();
        if (_pos < text.Length && (text[_pos] == '@' || (IsNameStart(text[_pos]) && !StartsWithSidLiteral())))
        {
            if (!TryParseAttribute(out var scope, out var name, out error))
            {
                node = null;
                return false;
            }

            node = new AttributeNode(scope, name!);
            return true;
        }

        var ok = TryParseLiteral(out var literal, out error);
        node = literal;
        return ok;
    }

    private bool StartsWithSidLiteral()
    {
        var rest = text.AsSpan(_pos);
        return rest.StartsWith("SID", StringComparison.OrdinalIgnoreCase) && rest[3..].TrimStart().StartsWith("(");
    }

    private bool TryParseLiteral(out LiteralNode? node, out string? error)
    {
        node = null;
        SkipSpace();
        if (Peek('{'))
        {
            _pos++;
            var elements = new List<LiteralElement>();
            SkipSpace();
            if (Peek('}'))
            {
                _pos++;
                node = new LiteralNode([], isComposite: true);
                error = null;
                return true;
            }

            while (true)
            {
                if (!TryParseElement(out var element, out error))
                {
                    return false;
                }

                elements.Add(element);
                SkipSpace();
                if (Peek(','))
                {
                    _pos++;
                    continue;
                }

                if (Peek('}'))
                {
                    _pos++;
                    break;
                }

                error = Fail("expected ',' or '}' in a composite value");
                return false;
            }

            node = new LiteralNode([.. elements], isComposite: true);
            return true;
        }

        if (!TryParseElement(out var single, out error))
        {
            return false;
        }

        node = new LiteralNode([single], isComposite: false);
        return true;
    }

    private bool TryParseElement(out LiteralElement element, out string? error)
    {
        element = default;
        error = null;
        SkipSpace();
        if (_pos >= text.Length)
        {
            error = Fail("a value is missing");
            return false;
        }

        var c = text[_pos];
        if (c == '"')
        {
            var close = text.IndexOf('"', _pos + 1);
            if (close < 0)
            {
                error = Fail("unterminated string");
                return false;
            }

            element = new LiteralElement(ClaimItem.FromString(text[(_pos + 1)..close]), 0, 0, 0);
            _pos = close + 1;
            return true;
        }

        if (c == '#')
        {
            var start = ++_pos;
            while (_pos < text.Length && char.IsAsciiHexDigit(text[_pos]))
            {
                _pos++;
            }

            if ((_pos - start) % 2 != 0)
            {
                error = Fail("an octet string needs an even number of hex digits");
                return false;
            }

            element = new LiteralElement(ClaimItem.FromOctets(Convert.FromHexString(text.AsSpan(start, _pos - start))), 0, 0, 0);
            return true;
        }

        if (StartsWithSidLiteral())
        {
            var open = text.IndexOf('(', _pos);
            var close = text.IndexOf(')', open);
            if (close < 0)
            {
                error = Fail("SID( has no closing ')'");
                return false;
            }

            if (!Sid.TryParseCore(text.AsSpan(open + 1, close - open - 1).Trim(), out var sid, out var sidError))
            {
                error = Fail($"bad SID: {sidError}");
                return false;
            }

            element = new LiteralElement(ClaimItem.FromSid(sid!), 0, 0, 0);
            _pos = close + 1;
            return true;
        }

        return TryParseInteger(out element, out error);
    }

    private bool TryParseInteger(out LiteralElement element, out string? error)
    {
        element = default;
        var start = _pos;
        var sign = LiteralElement.SignNone;
        if (Peek('+') || Peek('-'))
        {
            sign = text[_pos] == '+' ? LiteralElement.SignPlus : LiteralElement.SignMinus;
            _pos++;
        }

        var digitsStart = _pos;
        byte numberBase;
        int radix;
        if (PeekAt(0, '0') && _pos + 1 < text.Length && (text[_pos + 1] is 'x' or 'X'))
        {
            _pos += 2;
            digitsStart = _pos;
            numberBase = LiteralElement.BaseHex;
            radix = 16;
        }
        else if (PeekAt(0, '0') && _pos + 1 < text.Length && char.IsAsciiDigit(text[_pos + 1]))
        {
            _pos += 1;
            digitsStart = _pos;
            numberBase = LiteralElement.BaseOctal;
            radix = 8;
        }
        else
        {
            numberBase = LiteralElement.BaseDecimal;
            radix = 10;
        }

        while (_pos < text.Length && char.IsAsciiHexDigit(text[_pos]) && (radix == 16 || char.IsAsciiDigit(text[_pos])))
        {
            _pos++;
        }

        var digits = text.AsSpan(digitsStart, _pos - digitsStart);
        if (digits.IsEmpty)
        {
            _pos = start;
            error = Fail("expected a value: a number, \"string\", SID(…), #hex or {…}");
            return false;
        }

        ulong magnitude = 0;
        foreach (var d in digits)
        {
            var v = (ulong)(char.IsAsciiDigit(d) ? d - '0' : (char.ToLowerInvariant(d) - 'a' + 10));
            if (v >= (ulong)radix || magnitude > (ulong.MaxValue - v) / (ulong)radix)
            {
                error = Fail($"bad or too large integer '{text[start.._pos]}'");
                return false;
            }

            magnitude = (magnitude * (ulong)radix) + v;
        }

        long value;
        if (sign == LiteralElement.SignMinus)
        {
            if (magnitude > (ulong)long.MaxValue + 1)
            {
                error = Fail($"integer '{text[start.._pos]}' does not fit in 64 bits");
                return false;
            }

            value = unchecked(-(long)magnitude);
        }
        else
        {
            if (magnitude > long.MaxValue)
            {
                error = Fail($"integer '{text[start.._pos]}' does not fit in 64 bits");
                return false;
            }

            value = (long)magnitude;
        }

        // SDDL has no syntax for the literal's width; Windows writes every SDDL integer as INT64 (0x04).
        element = new LiteralElement(ClaimItem.FromInt64(value), 0x04, sign, numberBase);
        error = null;
        return true;
    }

    private bool TryParseAttribute(out ClaimScope scope, out string? name, out string? error)
    {
        scope = ClaimScope.Local;
        name = null;
        SkipSpace();
        var rest = text.AsSpan(_pos);
        if (rest.StartsWith("@User.", StringComparison.OrdinalIgnoreCase))
        {
            scope = ClaimScope.User;
            _pos += 6;
        }
        else if (rest.StartsWith("@Device.", StringComparison.OrdinalIgnoreCase))
        {
            scope = ClaimScope.Device;
            _pos += 8;
        }
        else if (rest.StartsWith("@Resource.", StringComparison.OrdinalIgnoreCase))
        {
            scope = ClaimScope.Resource;
            _pos += 10;
        }
        else if (rest.StartsWith("@"))
        {
            error = Fail("unknown attribute prefix (expected @User., @Device. or @Resource.)");
            return false;
        }

        var start = _pos;
        while (_pos < text.Length && IsNameChar(text[_pos]))
        {
            _pos++;
        }

        if (_pos == start || (scope == ClaimScope.Local && !IsNameStart(text[start])))
        {
            error = Fail("expected an attribute name");
            return false;
        }

        var parsed = text[start.._pos];
        name = parsed;
        if (scope == ClaimScope.Local && Array.Exists(ConditionOps.Keywords, k => k.Text.Equals(parsed, StringComparison.OrdinalIgnoreCase)))
        {
            _pos = start;
            error = Fail($"'{name}' is an operator, not an attribute");
            return false;
        }

        error = null;
        return true;
    }

    private bool TryKeyword(out byte op)
    {
        SkipSpace();
        foreach (var (keyword, code) in ConditionOps.Keywords)
        {
            if (text.AsSpan(_pos).StartsWith(keyword, StringComparison.OrdinalIgnoreCase)
                && (_pos + keyword.Length >= text.Length || !IsNameChar(text[_pos + keyword.Length])))
            {
                _pos += keyword.Length;
                op = code;
                return true;
            }
        }

        op = 0;
        return false;
    }

    private bool TryConsume(string symbol)
    {
        SkipSpace();
        if (text.AsSpan(_pos).StartsWith(symbol, StringComparison.Ordinal))
        {
            _pos += symbol.Length;
            return true;
        }

        return false;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or ':' or '/' or '.' or '$' or '\'' or '\\';

    private bool Peek(char c) => _pos < text.Length && text[_pos] == c;

    private bool PeekAt(int offset, char c) => _pos + offset < text.Length && text[_pos + offset] == c;

    private void SkipSpace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
        {
            _pos++;
        }
    }

    private string Fail(string detail) =>
        string.Create(CultureInfo.InvariantCulture, $"{detail} at offset {_pos} of \"{text}\"");
}
