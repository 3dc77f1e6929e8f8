using OpenWfp.Engine.Model;
using OpenWfp.Shim;

namespace OpenWfp.Cli.Replay;

/// <summary>Counts for the summary: per layer, per filter, and overall.</summary>
internal sealed class ReplayTally
{
    public SortedDictionary<ushort, LayerCounts> Layers { get; } = [];

    public Dictionary<ulong, FilterCounts> Filters { get; } = [];

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    public long FirstTimestamp { get; private set; } = long.MinValue;

    public long LastTimestamp { get; private set; }

    public Dictionary<TrafficDirection, long> Directions { get; } = [];

    public void Add(in ReplayPacket packet)
    {
        Frames++;
        Bytes += packet.Packet.CapturedLength;
        if (FirstTimestamp == long.MinValue)
        {
            FirstTimestamp = packet.Packet.TimestampUnixNanoseconds;
        }

        LastTimestamp = packet.Packet.TimestampUnixNanoseconds;
        Directions[packet.Verdict.Direction] = Directions.GetValueOrDefault(packet.Verdict.Direction) + 1;
        foreach (var step in packet.Trace.Steps)
        {
            if (!Layers.TryGetValue(step.LayerId, out var layer))
            {
                Layers[step.LayerId] = layer = new LayerCounts();
            }

            layer.Met++;
            if (!step.Classified)
            {
                continue;
            }

            layer.Classified++;
            switch (step.Action)
            {
                case ActionType.Permit: layer.Permits++; break;
                case ActionType.Block: layer.Blocks++; break;
                default: layer.NoMatch++; break;
            }

            if (step.FilterId != 0)
            {
                if (!Filters.TryGetValue(step.FilterId, out var filter))
                {
                    Filters[step.FilterId] = filter = new FilterCounts { LayerId = step.LayerId };
                }

                if (step.Action == ActionType.Block)
                {
                    filter.Blocks++;
                }
                else
                {
                    filter.Permits++;
                }
            }
        }

        if (packet.Verdict.Reason is ShimReason.FlowBlocked or ShimReason.FragmentOfBlocked && packet.Verdict.FilterId != 0)
        {
            if (!Filters.TryGetValue(packet.Verdict.FilterId, out var filter))
            {
                Filters[packet.Verdict.FilterId] = filter = new FilterCounts { LayerId = packet.Verdict.LayerId };
            }

            filter.FlowDrops++;
        }
    }

    internal sealed class LayerCounts
    {
        public long Met { get; set; }

        public long Classified { get; set; }

        public long Permits { get; set; }

        public long Blocks { get; set; }

        public long NoMatch { get; set; }
    }

    internal sealed class FilterCounts
    {
        public ushort LayerId { get; init; }

        public long Permits { get; set; }

        public long Blocks { get; set; }

        /// <summary>Later packets of flows this filter blocked, dropped without classifying.</summary>
        public long FlowDrops { get; set; }
    }
}
