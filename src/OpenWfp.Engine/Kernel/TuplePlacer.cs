namespace OpenWfp.Engine.Kernel;

/// <summary>
/// Places rules into tuples and buckets (docs/KERNEL-FORM.md, "The index"): each rule's natural tuple is, per field,
/// the longest common prefix of its interval's ends, rounded down to a few levels; shapes are then merged (the least
/// populated into its closest coarser shape, TupleMerge's relaxation) until the tuple bound holds, and a bucket that
/// grows past its bound is split into a longer tuple while the tuple budget lasts.
/// </summary>
internal static class TuplePlacer
{
    /// <summary>The index, or null when the bounds cannot be met.</summary>
    public static PlacedIndex? Place(KernelRule[] rules, UInt128[] addresses, bool isV6, int maxTuples, int maxBucketRules)
    {
        var width = isV6 ? 128 : 32;

        // Rules that can never decide: in each sublayer, everything ranked after the first rule with no constrained
        // field (it is met by every input, so it always wins its sublayer over them).
        var live = new bool[rules.Length];
        var sublayerCut = new Dictionary<byte, int>();
        for (var i = 0; i < rules.Length; i++)
        {
            var r = rules[i];
            if (sublayerCut.TryGetValue(r.Sublayer, out var cut) && r.Rank > cut)
            {
                continue;
            }

            live[i] = true;
            if (r.Fields == KernelFields.None && !sublayerCut.ContainsKey(r.Sublayer))
            {
                sublayerCut[r.Sublayer] = r.Rank;
            }
        }

        // Each rule's exact shape (longest common prefix per field).
        var exact = new Shape[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            exact[i] = ExactShape(in rules[i], addresses, i, width);
        }

        // Rounded shapes, then merged down to the tuple budget.
        var shapeOf = new Dictionary<Shape, int>();
        var shapes = new List<Shape>();
        var counts = new List<int>();
        var ruleShape = new int[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            if (!live[i])
            {
                ruleShape[i] = -1;
                continue;
            }

            var s = Round(exact[i], width);
            if (!shapeOf.TryGetValue(s, out var id))
            {
                id = shapes.Count;
                shapeOf[s] = id;
                shapes.Add(s);
                counts.Add(0);
            }

            counts[id]++;
            ruleShape[i] = id;
        }

        var target = Enumerable.Range(0, shapes.Count).ToArray(); // where each shape's rules went
        var alive = Enumerable.Repeat(true, shapes.Count).ToList();
        var aliveCount = shapes.Count;
        while (aliveCount > maxTuples)
        {
            // The least populated shape goes to the other shape whose meet with it is the most specific.
            var s = -1;
            for (var i = 0; i < shapes.Count; i++)
            {
                if (alive[i] && (s < 0 || counts[i] < counts[s]))
                {
                    s = i;
                }
            }

            var best = -1;
            var bestScore = -1;
            for (var u = 0; u < shapes.Count; u++)
            {
                if (u == s || !alive[u])
                {
                    continue;
                }

                var score = Shape.Meet(shapes[s], shapes[u]).Sum;
                if (score > bestScore || (score == bestScore && counts[u] > counts[best]))
                {
                    best = u;
                    bestScore = score;
                }
            }

            var meet = Shape.Meet(shapes[s], shapes[best]);
            alive[s] = false;
            aliveCount--;
            target[s] = best;
            if (meet != shapes[best])
            {
                shapeOf.Remove(shapes[best]);
                if (shapeOf.TryGetValue(meet, out var existing) && alive[existing])
                {
                    // The meet is another live shape: fold both into it.
                    alive[best] = false;
                    aliveCount--;
                    target[best] = existing;
                    counts[existing] += counts[best] + counts[s];
                    continue;
                }

                shapes[best] = meet;
                shapeOf[meet] = best;
            }

            counts[best] += counts[s];
        }

        // Resolve each rule's final shape.
        var final = new List<Shape>();
        var finalOf = new Dictionary<Shape, int>();
        var ruleTuple = new int[rules.Length];
        for (var i = 0; i < rules.Length; i++)
        {
            if (ruleShape[i] < 0)
            {
                ruleTuple[i] = -1;
                continue;
            }

            var id = ruleShape[i];
            while (target[id] != id)
            {
                id = target[id];
            }

            ruleTuple[i] = TupleId(shapes[id]);
        }

        // Buckets; split overflowing ones into a longer tuple while the budget lasts.
        while (true)
        {
            var buckets = new Dictionary<(int Tuple, KernelKey Key), List<int>>();
            for (var i = 0; i < rules.Length; i++)
            {
                if (ruleTuple[i] < 0)
                {
                    continue;
                }

                var key = (ruleTuple[i], KeyOf(in rules[i], addresses, i, final[ruleTuple[i]], width));
                if (!buckets.TryGetValue(key, out var list))
                {
                    buckets[key] = list = [];
                }

                list.Add(i);
            }

            var overflow = buckets.Values.FirstOrDefault(l => l.Count > maxBucketRules);
            if (overflow is null)
            {
                return Build(rules, final, buckets, maxTuples);
            }

            if (final.Count >= maxTuples || !Split(overflow, ruleTuple, exact, final, TupleId, maxBucketRules))
            {
                return null;
            }
        }

        int TupleId(Shape s)
        {
            if (!finalOf.TryGetValue(s, out var t))
            {
                t = final.Count;
                final.Add(s);
                finalOf[s] = t;
            }

            return t;
        }
    }

    /// <summary>
    /// Moves part of an overflowing bucket to a longer tuple: on the field where most of its rules have more prefix
    /// than the tuple, the tuple is lengthened to the median of those rules' prefixes.
    /// </summary>
    private static bool Split(List<int> bucket, int[] ruleTuple, Shape[] exact, List<Shape> final, Func<Shape, int> tupleId, int maxBucketRules)
    {
        var t = final[ruleTuple[bucket[0]]];
        var bestField = -1;
        var bestCount = 0;
        for (var k = 0; k < KernelForm.FieldCount; k++)
        {
            var n = 0;
            foreach (var i in bucket)
            {
                n += exact[i][k] > t[k] ? 1 : 0;
            }

            if (n > bestCount)
            {
                bestCount = n;
                bestField = k;
            }
        }

        if (bestField < 0)
        {
            return false; // every rule is as general as the tuple: no longer tuple can hold any of them
        }

        var lengths = bucket.Select(i => exact[i][bestField]).Where(l => l > t[bestField]).Order().ToArray();
        var length = lengths[lengths.Length / 2];
        var longer = t.With(bestField, length);
        var to = tupleId(longer);
        foreach (var i in bucket)
        {
            if (exact[i] >= longer)
            {
                ruleTuple[i] = to;
            }
        }

        _ = maxBucketRules;
        return true;
    }

    private static PlacedIndex Build(KernelRule[] rules, List<Shape> shapes, Dictionary<(int Tuple, KernelKey Key), List<int>> buckets, int maxTuples)
    {
        // Drop tuples that ended up with no rules, and order the rest by their best rank (priority pruning in user space).
        var bestRank = new int[shapes.Count];
        var ruleCount = new int[shapes.Count];
        Array.Fill(bestRank, int.MaxValue);
        foreach (var ((tuple, _), list) in buckets)
        {
            ruleCount[tuple] += list.Count;
            foreach (var i in list)
            {
                bestRank[tuple] = Math.Min(bestRank[tuple], rules[i].Rank);
            }
        }

        var order = Enumerable.Range(0, shapes.Count).Where(t => ruleCount[t] > 0).OrderBy(t => bestRank[t]).ThenBy(t => t).ToArray();
        var newIndex = new int[shapes.Count];
        for (var n = 0; n < order.Length; n++)
        {
            newIndex[order[n]] = n;
        }

        var grouped = buckets
            .Select(kv => (Tuple: newIndex[kv.Key.Tuple], kv.Key.Key, Rules: kv.Value))
            .OrderBy(b => b.Tuple)
            .ThenBy(b => b.Rules.Min(i => rules[i].Rank))
            .ToArray();
        var bucketArray = new KernelBucket[grouped.Length];
        var keys = new KernelKey[grouped.Length];
        var bucketRules = new int[grouped.Sum(g => g.Rules.Count)];
        var bucketStart = new int[order.Length];
        var bucketCount = new int[order.Length];
        var w = 0;
        for (var b = 0; b < grouped.Length; b++)
        {
            var g = grouped[b];
            g.Rules.Sort((x, y) => rules[x].Rank != rules[y].Rank ? rules[x].Rank.CompareTo(rules[y].Rank) : x.CompareTo(y));
            bucketArray[b] = new KernelBucket(g.Tuple, w, g.Rules.Count);
            keys[b] = g.Key;
            foreach (var i in g.Rules)
            {
                bucketRules[w++] = i;
            }

            if (bucketCount[g.Tuple]++ == 0)
            {
                bucketStart[g.Tuple] = b;
            }
        }

        var tuples = new KernelTuple[order.Length];
        for (var n = 0; n < order.Length; n++)
        {
            var s = shapes[order[n]];
            tuples[n] = new KernelTuple(s[0], s[1], s[2], s[3], s[4], s[5], bucketStart[n], bucketCount[n], ruleCount[order[n]], bestRank[order[n]]);
        }

        _ = maxTuples;
        return new PlacedIndex(tuples, bucketArray, keys, bucketRules);
    }

    private static Shape ExactShape(in KernelRule r, UInt128[] addresses, int i, int width)
    {
        var f = r.Fields;
        return new Shape(
            (f & KernelFields.LocalAddress) != 0 ? Common(addresses[i * 4], addresses[(i * 4) + 1], width) : (byte)0,
            (f & KernelFields.RemoteAddress) != 0 ? Common(addresses[(i * 4) + 2], addresses[(i * 4) + 3], width) : (byte)0,
            (f & KernelFields.LocalPort) != 0 ? Common(r.LocalPortLo, r.LocalPortHi, 16) : (byte)0,
            (f & KernelFields.RemotePort) != 0 ? Common(r.RemotePortLo, r.RemotePortHi, 16) : (byte)0,
            (f & KernelFields.Protocol) != 0 ? Common(r.ProtocolLo, r.ProtocolHi, 8) : (byte)0,
            (f & KernelFields.App) != 0 ? (byte)32 : (byte)0);
    }

    /// <summary>The length of the longest common prefix of two <paramref name="width"/>-bit values.</summary>
    private static byte Common(UInt128 lo, UInt128 hi, int width)
    {
        var x = lo ^ hi;
        return x == 0 ? (byte)width : (byte)(width - (128 - (int)UInt128.LeadingZeroCount(x)));
    }

    /// <summary>Lengths rounded down to a few levels, so that similar rules share a tuple: addresses to multiples of 4 (IPv6: 16), ports of 4.</summary>
    private static Shape Round(Shape s, int width)
    {
        var a = width == 128 ? 16 : 4;
        return new Shape(
            (byte)(s[0] / a * a),
            (byte)(s[1] / a * a),
            (byte)(s[2] / 4 * 4),
            (byte)(s[3] / 4 * 4),
            s[4],
            s[5]);
    }

    private static KernelKey KeyOf(in KernelRule r, UInt128[] addresses, int i, Shape s, int width) =>
        new(
            addresses[i * 4] & KernelForm.Mask128(s[0], width),
            addresses[(i * 4) + 2] & KernelForm.Mask128(s[1], width),
            (ushort)(r.LocalPortLo & KernelForm.Mask32(s[2], 16)),
            (ushort)(r.RemotePortLo & KernelForm.Mask32(s[3], 16)),
            (byte)(r.ProtocolLo & KernelForm.Mask32(s[4], 8)),
            s[5] == 0 ? 0u : r.App);

    /// <summary>Per-field prefix lengths.</summary>
    internal readonly record struct Shape(byte LocalAddress, byte RemoteAddress, byte LocalPort, byte RemotePort, byte Protocol, byte App)
    {
        public int Sum => LocalAddress + RemoteAddress + LocalPort + RemotePort + Protocol + App;

        public byte this[int k] => k switch
        {
            0 => LocalAddress,
            1 => RemoteAddress,
            2 => LocalPort,
            3 => RemotePort,
            4 => Protocol,
            _ => App,
        };

        public static bool operator >=(Shape a, Shape b)
        {
            for (var k = 0; k < KernelForm.FieldCount; k++)
            {
                if (a[k] < b[k])
                {
                    return false;
                }
            }

            return true;
        }

        public static bool operator <=(Shape a, Shape b) => b >= a;

        public static Shape Meet(Shape a, Shape b) => new(
            Math.Min(a.LocalAddress, b.LocalAddress),
            Math.Min(a.RemoteAddress, b.RemoteAddress),
            Math.Min(a.LocalPort, b.LocalPort),
            Math.Min(a.RemotePort, b.RemotePort),
            Math.Min(a.Protocol, b.Protocol),
            Math.Min(a.App, b.App));

        public Shape With(int k, byte length) => k switch
        {
            0 => this with { LocalAddress = length },
            1 => this with { RemoteAddress = length },
            2 => this with { LocalPort = length },
            3 => this with { RemotePort = length },
            4 => this with { Protocol = length },
            _ => this with { App = length },
        };
    }
}

/// <summary>A placed tuple index.</summary>
internal readonly record struct PlacedIndex(KernelTuple[] Tuples, KernelBucket[] Buckets, KernelKey[] Keys, int[] BucketRules);
