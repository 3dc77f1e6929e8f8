using OpenWfp.Engine.Model;
using OpenWfp.Engine.Values;
using OpenWfp.Shim;
using OpenWfp.Wire;

namespace OpenWfp.Cli.Replay;

/// <summary>Counts for the summary: per layer, per filter, and overall.</summary>
/// <param name="inferLocal">
/// True when no --local was given: then the addresses the shim took as this host's (the source of an outbound packet,
/// the destination of an inbound one) are collected, so the summary can say which they were.
/// </param>
internal sealed class ReplayTally(bool inferLocal)
{
    private readonly HashSet<(byte Version, UInt128 Address)> _localSeen = [];
    private readonly List<string> _local = [];

    public SortedDictionary<ushort, LayerCounts> Layers { get; } = [];

    public Dictionary<ulong, FilterCounts> Filters { get; } = [];

    public long Frames { get; private set; }

    public long Bytes { get; private set; }

    public long FirstTimestamp { get; private set; } = long.MinValue;

    public long LastTimestamp { get; private set; }

    public Dictionary<TrafficDirection, long> Directions { get; } = [];

    /// <summary>Without --local: the addresses taken as this host's, in the order first seen.</summary>
    public IReadOnlyList<string> InferredLocal => _local;

    /// <summary>Without --local: IP frames whose direction a Linux cooked capture recorded (SLL/SLL2 packet type).</summary>
    public long CookedFrames { get; private set; }

    /// <summary>Without --local: IP frames whose direction the shim inferred from the flows (not a cooked capture).</summary>
    public long InferredFrames { get; private set; }

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
        if (inferLocal)
        {
            NoteLocal(in packet);
        }
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

    // The replay's own parse (the shim's is internal to it): the command line's summary, not the per-packet path.
    private void NoteLocal(in ReplayPacket packet)
    {
        var linkType = (LinkType)packet.Packet.LinkType;
        if (PacketParser.Parse(linkType, packet.Packet.Data.Span, out var p) != ParseStatus.Ok || p.IpVersion is not (4 or 6))
        {
            return;
        }

        if (linkType is LinkType.LinuxSll or LinkType.LinuxSll2)
        {
            CookedFrames++;
        }
        else
        {
            InferredFrames++;
        }

        var v4 = p.IpVersion == 4;
        var source = v4 ? p.SourceIPv4 : p.SourceIPv6;
        var destination = v4 ? p.DestinationIPv4 : p.DestinationIPv6;
        switch (packet.Verdict.Direction)
        {
            case TrafficDirection.Outbound:
                Remember(p.IpVersion, source);
                break;
            case TrafficDirection.Inbound:
                Remember(p.IpVersion, destination);
                break;
            case TrafficDirection.Loopback:
                Remember(p.IpVersion, source);
                Remember(p.IpVersion, destination);
                break;
        }
    }

    private void Remember(byte version, UInt128 address)
    {
        if (_localSeen.Add((version, address)))
        {
            _local.Add(version == 4 ? FwpValueFormatter.FormatIPv4((uint)address) : FwpValueFormatter.FormatIPv6(address));
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
