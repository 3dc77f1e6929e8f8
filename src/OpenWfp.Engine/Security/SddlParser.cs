namespace OpenWfp.Engine.Security;

/// <summary>SDDL text to <see cref="SecurityDescriptor"/>; grammar and choices are described on <see cref="SecurityDescriptor.ParseSddl"/>.</summary>
internal static class SddlParser
{
    private const string NullAcl = "NO_ACCESS_CONTROL";

    public static bool TryParse(string sddl, out SecurityDescriptor? descriptor, out string? error)
    {
        descriptor = null;
        Sid? owner = null;
        Sid? group = null;
        List<Ace>? dacl = null;
        var daclNull = false;
        var control = SecurityDescriptorControl.None;
        bool seenOwner = false, seenGroup = false, seenDacl = false, seenSacl = false;

        var pos = SkipSpace(sddl, 0);
        if (pos == sddl.Length)
        {
            error = "the SDDL string is empty";
            return false;
        }

        while (pos < sddl.Length)
        {
            var tag = sddl[pos];
            if (!IsTagAt(sddl, pos))
            {
                error = Fail(sddl, pos, $"expected a component 'O:', 'G:', 'D:' or 'S:' but found '{Excerpt(sddl, pos)}'");
                return false;
            }

            var valueStart = pos + 2;
            switch (tag)
            {
                case 'O':
                case 'G':
                    {
                        ref var seen = ref tag == 'O' ? ref seenOwner : ref seenGroup;
                        var what = tag == 'O' ? "owner" : "group";
                        if (seen)
                        {
                            error = Fail(sddl, pos, $"the {what} component '{tag}:' appears twice");
                            return false;
                        }

                        seen = true;
                        var end = FindComponentEnd(sddl, valueStart);
                        var text = sddl.AsSpan(valueStart, end - valueStart).Trim();
                        if (text.IsEmpty)
                        {
                            error = Fail(sddl, valueStart, $"the {what} SID is missing after '{tag}:'");
                            return false;
                        }

                        if (!Sid.TryParseCore(text, out var sid, out var sidError))
                        {
                            error = Fail(sddl, valueStart, $"bad {what} SID: {sidError}");
                            return false;
                        }

                        if (tag == 'O')
                        {
                            owner = sid;
                        }
                        else
                        {
                            group = sid;
                        }

                        pos = end;
                        break;
                    }

                case 'D':
                    if (seenDacl)
                    {
                        error = Fail(sddl, pos, "the DACL component 'D:' appears twice");
                        return false;
                    }

                    seenDacl = true;
                    dacl = [];
                    if (!TryParseAcl(sddl, valueStart, isDacl: true, dacl, ref control, out daclNull, out pos, out error))
                    {
                        return false;
                    }

                    break;

                default:
                    {
                        if (seenSacl)
                        {
                            error = Fail(sddl, pos, "the SACL component 'S:' appears twice");
                            return false;
                        }

                        seenSacl = true;
                        var ignoredControl = SecurityDescriptorControl.None;
                        if (!TryParseAcl(sddl, valueStart, isDacl: false, aces: null, ref ignoredControl, out _, out pos, out error))
                        {
                            return false;
                        }

                        break;
                    }
            }

            pos = SkipSpace(sddl, pos);
        }

        descriptor = new SecurityDescriptor(owner, group, daclNull ? null : dacl, control, validate: false);
        error = null;
        return true;
    }

    private static bool TryParseAcl(
        string sddl,
        int start,
        bool isDacl,
        List<Ace>? aces,
        ref SecurityDescriptorControl control,
        out bool isNull,
        out int end,
        out string? error)
    {
        isNull = false;
        var name = isDacl ? "DACL" : "SACL";
        var pos = start;

        // Control flags come first: P, AR, AI in any order, or NO_ACCESS_CONTROL for a NULL ACL.
        while (pos < sddl.Length && sddl[pos] != '(' && !IsTagAt(sddl, pos) && !char.IsWhiteSpace(sddl[pos]))
        {
            var rest = sddl.AsSpan(pos);
            if (rest.StartsWith(NullAcl, StringComparison.Ordinal))
            {
                isNull = true;
                pos += NullAcl.Length;
            }
            else if (rest.StartsWith("AI", StringComparison.Ordinal))
            {
                control |= SecurityDescriptorControl.DaclAutoInherited;
                pos += 2;
            }
            else if (rest.StartsWith("AR", StringComparison.Ordinal))
            {
                control |= SecurityDescriptorControl.DaclAutoInheritRequired;
                pos += 2;
            }
            else if (rest[0] == 'P')
            {
                control |= SecurityDescriptorControl.DaclProtected;
                pos += 1;
            }
            else
            {
                end = pos;
                error = Fail(sddl, pos, $"unknown {name} flag at '{Excerpt(sddl, pos)}' (expected P, AI, AR, NO_ACCESS_CONTROL or '(' to start an ACE)");
                return false;
            }
        }

        while (true)
        {
            pos = SkipSpace(sddl, pos);
            if (pos >= sddl.Length || IsTagAt(sddl, pos))
            {
                break;
            }

            if (sddl[pos] == ')')
            {
                end = pos;
                error = Fail(sddl, pos, $"unbalanced parentheses: ')' without a matching '(' in the {name}");
                return false;
            }

            if (sddl[pos] != '(')
            {
                end = pos;
                error = Fail(sddl, pos, $"expected '(' to start an ACE in the {name} but found '{Excerpt(sddl, pos)}'");
                return false;
            }

            if (isNull)
            {
                end = pos;
                error = Fail(sddl, pos, $"a {name} declared NO_ACCESS_CONTROL cannot have ACEs");
                return false;
            }

            var close = FindClosingParen(sddl, pos);
            if (close < 0)
            {
                end = pos;
                error = Fail(sddl, pos, "unbalanced parentheses: the ACE has no closing ')'");
                return false;
            }

            if (aces is not null)
            {
                if (!TryParseAce(sddl, pos, close, out var ace, out error))
                {
                    end = pos;
                    return false;
                }

                aces.Add(ace!);
            }

            pos = close + 1;
        }

        end = pos;
        error = null;
        return true;
    }

    private static bool TryParseAce(string sddl, int open, int close, out Ace? ace, out string? error)
    {
        ace = null;
        Span<Range> fields = stackalloc Range[8];
        var body = sddl.AsSpan(open + 1, close - open - 1);
        var count = SplitTopLevel(body, fields);
        var type = body[fields[0]].Trim();

        AceType aceType;
        switch (type)
        {
            case "A": aceType = AceType.AccessAllowed; break;
            case "D": aceType = AceType.AccessDenied; break;
            case "OA": aceType = AceType.AccessAllowedObject; break;
            case "OD": aceType = AceType.AccessDeniedObject; break;
            case "XA": aceType = AceType.AccessAllowedCallback; break;
            case "XD": aceType = AceType.AccessDeniedCallback; break;
            case "ZA": aceType = AceType.AccessAllowedCallbackObject; break;
            default:
                var why = type switch
                {
                    "AU" or "AL" or "OU" or "OL" or "ML" or "TL" or "RA" or "SP" or "FL" or "XU" => $"ACE type '{type}' belongs in a SACL, not a DACL",
                    _ => $"unknown ACE type '{type}' (expected A, D, OA, OD, XA, XD or ZA)",
                };
                error = Fail(sddl, open, why);
                return false;
        }

        var callback = Ace.IsCallbackType(aceType);
        var expected = callback ? 7 : 6;
        if (count != expected)
        {
            error = Fail(sddl, open, callback
                ? $"the {type} ACE has {count} fields; expected 7 (type;flags;rights;object_guid;inherit_object_guid;account_sid;(condition))"
                : $"the ACE has {count} fields; expected 6 (type;flags;rights;object_guid;inherit_object_guid;account_sid)");
            return false;
        }

        if (!SddlCodes.TryParseFlags(body[fields[1]].Trim(), out var flags, out var why2)
            || !SddlCodes.TryParseRights(body[fields[2]].Trim(), out var mask, out why2))
        {
            error = Fail(sddl, open, why2!);
            return false;
        }

        Guid? objectType = null, inheritedObjectType = null;
        var objectText = body[fields[3]].Trim();
        var inheritedText = body[fields[4]].Trim();
        if (!Ace.IsObjectType(aceType))
        {
            if (!objectText.IsEmpty || !inheritedText.IsEmpty)
            {
                error = Fail(sddl, open, $"object GUID fields must be empty in a {type} ACE (only OA, OD and ZA take them)");
                return false;
            }
        }
        else
        {
            if (!TryParseGuid(objectText, out objectType) || !TryParseGuid(inheritedText, out inheritedObjectType))
            {
                error = Fail(sddl, open, $"bad object GUID in the {type} ACE (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx or empty)");
                return false;
            }
        }

        var sidText = body[fields[5]].Trim();
        if (sidText.IsEmpty)
        {
            error = Fail(sddl, open, "the ACE has no account SID");
            return false;
        }

        if (!Sid.TryParseCore(sidText, out var sid, out var sidError))
        {
            error = Fail(sddl, open, $"bad ACE SID: {sidError}");
            return false;
        }

        ConditionalExpression? condition = null;
        if (callback)
        {
            var conditionText = body[fields[6]].Trim();
            if (!ConditionalExpression.TryParseSddl(conditionText.ToString(), out condition, out var conditionError))
            {
                error = Fail(sddl, open, $"bad condition in the {type} ACE: {conditionError}");
                return false;
            }
        }

        ace = new Ace(aceType, mask, sid!, flags, objectType, inheritedObjectType, condition);
        error = null;
        return true;
    }

    private static bool TryParseGuid(ReadOnlySpan<char> text, out Guid? guid)
    {
        guid = null;
        if (text.IsEmpty)
        {
            return true;
        }

        if (Guid.TryParseExact(text, "D", out var g))
        {
            guid = g;
            return true;
        }

        return false;
    }

    // Splits on ';' outside nested parentheses and quotes (conditional expressions contain both); returns the
    // field count, which may exceed the span length (the extra fields are only counted).
    private static int SplitTopLevel(ReadOnlySpan<char> body, Span<Range> fields)
    {
        var count = 0;
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i <= body.Length; i++)
        {
            if (i < body.Length)
            {
                var c = body[i];
                if (c == '"')
                {
                    quoted = !quoted;
                }
                else if (!quoted && c == '(')
                {
                    depth++;
                }
                else if (!quoted && c == ')')
                {
                    depth--;
                }

                if (quoted || depth != 0 || c != ';')
                {
                    continue;
                }
            }

            if (count < fields.Length)
            {
                fields[count] = new Range(start, i);
            }

            count++;
            start = i + 1;
        }

        return count;
    }

    private static int FindClosingParen(string sddl, int open)
    {
        var depth = 0;
        var quoted = false;
        for (var i = open; i < sddl.Length; i++)
        {
            var c = sddl[i];
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c == '(')
            {
                depth++;
            }
            else if (!quoted && c == ')' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    // A component tag is one of O, G, D, S followed by ':'; SID strings and aliases never contain ':'.
    private static bool IsTagAt(string sddl, int pos) =>
        pos + 1 < sddl.Length && sddl[pos + 1] == ':' && sddl[pos] is 'O' or 'G' or 'D' or 'S';

    private static int FindComponentEnd(string sddl, int start)
    {
        var i = start;
        while (i < sddl.Length && !IsTagAt(sddl, i))
        {
            i++;
        }

        return i;
    }

    private static int SkipSpace(string sddl, int pos)
    {
        while (pos < sddl.Length && char.IsWhiteSpace(sddl[pos]))
        {
            pos++;
        }

        return pos;
    }

    private static string Excerpt(string sddl, int pos) => sddl.Length - pos <= 12 ? sddl[pos..] : string.Concat(sddl.AsSpan(pos, 12), "…");

    private static string Fail(string sddl, int pos, string detail) => $"Invalid SDDL at position {pos}: {detail}. Input: \"{sddl}\"";
}
