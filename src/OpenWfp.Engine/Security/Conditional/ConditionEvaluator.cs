namespace OpenWfp.Engine.Security;

/// <summary>Three-valued evaluation of a condition tree; the rules are on <see cref="ConditionalExpression"/>. Allocation-free.</summary>
internal static class ConditionEvaluator
{
    public static ConditionResult Evaluate(ConditionNode node, FwpToken token)
    {
        switch (node)
        {
            case AttributeNode attribute:
                if (!TryValues(attribute, token, out var values) || values.Length != 1)
                {
                    return ConditionResult.Unknown;
                }

                return values[0].Type is ClaimValueType.Int64 or ClaimValueType.UInt64 or ClaimValueType.Boolean
                    ? (values[0].Integer != 0 ? ConditionResult.True : ConditionResult.False)
                    : ConditionResult.Unknown;
            case OperatorNode op:
                return EvaluateOperator(op, token);
            default:
                return ConditionResult.Unknown;
        }
    }

    private static ConditionResult EvaluateOperator(OperatorNode op, FwpToken token)
    {
        switch (op.Op)
        {
            case ConditionOps.And:
                {
                    var left = Evaluate(op.Left, token);
                    if (left == ConditionResult.False)
                    {
                        return ConditionResult.False;
                    }

                    var right = Evaluate(op.Right!, token);
                    return right == ConditionResult.False ? ConditionResult.False
                        : left == ConditionResult.True && right == ConditionResult.True ? ConditionResult.True
                        : ConditionResult.Unknown;
                }

            case ConditionOps.Or:
                {
                    var left = Evaluate(op.Left, token);
                    if (left == ConditionResult.True)
                    {
                        return ConditionResult.True;
                    }

                    var right = Evaluate(op.Right!, token);
                    return right == ConditionResult.True ? ConditionResult.True
                        : left == ConditionResult.False && right == ConditionResult.False ? ConditionResult.False
                        : ConditionResult.Unknown;
                }

            case ConditionOps.Not:
                return Negate(Evaluate(op.Left, token));
            case ConditionOps.Exists:
                return TryValues(op.Left, token, out _) ? ConditionResult.True : ConditionResult.False;
            case ConditionOps.NotExists:
                return TryValues(op.Left, token, out _) ? ConditionResult.False : ConditionResult.True;
        }

        if (ConditionOps.IsMembership(op.Op))
        {
            return Membership(op.Op, op.Left, token);
        }

        if (!TryValues(op.Left, token, out var lhs) || !TryValues(op.Right!, token, out var rhs))
        {
            return ConditionResult.Unknown;
        }

        return op.Op switch
        {
            ConditionOps.Contains => ContainsAll(lhs, rhs),
            ConditionOps.NotContains => Negate(ContainsAll(lhs, rhs)),
            ConditionOps.AnyOf => ContainsAny(lhs, rhs),
            ConditionOps.NotAnyOf => Negate(ContainsAny(lhs, rhs)),
            ConditionOps.Equal => SetEqual(lhs, rhs),
            ConditionOps.NotEqual => Negate(SetEqual(lhs, rhs)),
            _ => Order(op.Op, lhs, rhs),
        };
    }

    private static ConditionResult Membership(byte op, ConditionNode operand, FwpToken token)
    {
        // Linux has no device token: the device family cannot be decided (docs/IDENTITY.md, Claims).
        if (op is ConditionOps.DeviceMemberOf or ConditionOps.DeviceMemberOfAny or ConditionOps.NotDeviceMemberOf or ConditionOps.NotDeviceMemberOfAny)
        {
            return ConditionResult.Unknown;
        }

        if (!TryValues(operand, token, out var sids) || sids.Length == 0)
        {
            return ConditionResult.Unknown;
        }

        var any = op is ConditionOps.MemberOfAny or ConditionOps.NotMemberOfAny;
        var result = any ? ConditionResult.False : ConditionResult.True;
        foreach (ref readonly var item in sids.AsSpan())
        {
            if (item.Sid is not { } sid)
            {
                return ConditionResult.Unknown;
            }

            var member = token.Contains(sid);
            if (any && member)
            {
                result = ConditionResult.True;
            }
            else if (!any && !member)
            {
                result = ConditionResult.False;
            }
        }

        return op is ConditionOps.NotMemberOf or ConditionOps.NotMemberOfAny ? Negate(result) : result;
    }

    private static ConditionResult ContainsAll(ClaimItem[] lhs, ClaimItem[] rhs)
    {
        var comparable = false;
        foreach (ref readonly var wanted in rhs.AsSpan())
        {
            var found = IndexOf(lhs, wanted, ref comparable) >= 0;
            if (!found)
            {
                return comparable ? ConditionResult.False : ConditionResult.Unknown;
            }
        }

        return ConditionResult.True;
    }

    private static ConditionResult ContainsAny(ClaimItem[] lhs, ClaimItem[] rhs)
    {
        var comparable = false;
        foreach (ref readonly var wanted in rhs.AsSpan())
        {
            if (IndexOf(lhs, wanted, ref comparable) >= 0)
            {
                return ConditionResult.True;
            }
        }

        return comparable ? ConditionResult.False : ConditionResult.Unknown;
    }

    private static ConditionResult SetEqual(ClaimItem[] lhs, ClaimItem[] rhs)
    {
        var comparable = false;
        foreach (ref readonly var item in rhs.AsSpan())
        {
            if (IndexOf(lhs, item, ref comparable) < 0)
            {
                return comparable ? ConditionResult.False : ConditionResult.Unknown;
            }
        }

        foreach (ref readonly var item in lhs.AsSpan())
        {
            if (IndexOf(rhs, item, ref comparable) < 0)
            {
                return ConditionResult.False;
            }
        }

        return ConditionResult.True;
    }

    private static ConditionResult Order(byte op, ClaimItem[] lhs, ClaimItem[] rhs)
    {
        if (lhs.Length != 1 || rhs.Length != 1 || ClaimItem.Compare(lhs[0], rhs[0]) is not { } c)
        {
            return ConditionResult.Unknown;
        }

        var holds = op switch
        {
            ConditionOps.Less => c < 0,
            ConditionOps.LessOrEqual => c <= 0,
            ConditionOps.Greater => c > 0,
            _ => c >= 0,
        };
        return holds ? ConditionResult.True : ConditionResult.False;
    }

    private static int IndexOf(ClaimItem[] items, in ClaimItem wanted, ref bool comparable)
    {
        for (var i = 0; i < items.Length; i++)
        {
            if (ClaimItem.Compare(items[i], wanted) is { } c)
            {
                comparable = true;
                if (c == 0)
                {
                    return i;
                }
            }
        }

        return -1;
    }

    private static bool TryValues(ConditionNode node, FwpToken token, out ClaimItem[] values)
    {
        switch (node)
        {
            case LiteralNode literal:
                values = literal.Items;
                return true;
            case AttributeNode attribute:
                return token.Claims.TryGet(attribute.Scope, attribute.Name, out values);
            default:
                values = [];
                return false;
        }
    }

    private static ConditionResult Negate(ConditionResult r) => r switch
    {
        ConditionResult.True => ConditionResult.False,
        ConditionResult.False => ConditionResult.True,
        _ => ConditionResult.Unknown,
    };
}
