using System.Runtime.InteropServices;

namespace OpenWfp.Ebpf;

/// <summary>The kernel fields a rule can constrain (docs/KERNEL-FORM.md, "What the kernel can see"); bit f is field f of bpf/kform.h.</summary>
[Flags]
public enum KernelFields : byte
{
    /// <summary>No field.</summary>
    None = 0,

    /// <summary>LOCAL_ADDR (FWPM_CONDITION_IP_LOCAL_ADDRESS).</summary>
    LocalAddress = 1,

    /// <summary>REMOTE_ADDR (FWPM_CONDITION_IP_REMOTE_ADDRESS).</summary>
    RemoteAddress = 2,

    /// <summary>LOCAL_PORT (FWPM_CONDITION_IP_LOCAL_PORT).</summary>
    LocalPort = 4,

    /// <summary>REMOTE_PORT (FWPM_CONDITION_IP_REMOTE_PORT).</summary>
    RemotePort = 8,

    /// <summary>PROTOCOL (FWPM_CONDITION_IP_PROTOCOL).</summary>
    Protocol = 16,

    /// <summary>APP (FWPM_CONDITION_ALE_APP_ID, as an app number).</summary>
    App = 32,

    /// <summary>Every field.</summary>
    All = 63,
}

/// <summary>A rule's action in the kernel form (KF_ACT_* in bpf/kform.h).</summary>
public enum KernelAction : byte
{
    /// <summary>A soft permit.</summary>
    Permit = 1,

    /// <summary>A permit that clears the action right (FWPM_FILTER_FLAG_CLEAR_ACTION_RIGHT).</summary>
    HardPermit = 2,

    /// <summary>A block (always hard).</summary>
    Block = 3,

    /// <summary>The kernel cannot decide this filter: user space must.</summary>
    Ask = 4,
}

/// <summary>What the kernel's evaluator answered (KF_NO_MATCH … KF_ASK in bpf/kform.h).</summary>
public enum KernelVerdict : uint
{
    /// <summary>No filter met: the hook lets the call through.</summary>
    NoMatch = 0,

    /// <summary>Permitted.</summary>
    Permit = 1,

    /// <summary>Blocked: connect() / sendmsg() fails with EPERM.</summary>
    Block = 2,

    /// <summary>Handed to the NFQUEUE data plane (the socket carries the ask mark).</summary>
    Ask = 3,
}

/// <summary>Why the kernel answered ASK (KF_ASK_* in bpf/kform.h).</summary>
public enum KernelAskReason : uint
{
    /// <summary>The deciding sublayer's best rule is an ASK rule (a callout, a non-kernel field, an inexpressible match).</summary>
    Rule = 0,

    /// <summary>The best rule constrains a field the hook does not know (an unbound socket's local address).</summary>
    Maybe = 1,

    /// <summary>A non-empty tuple is keyed on a field the hook does not know.</summary>
    Unknown = 2,

    /// <summary>The layer is ask-all: its form exceeds a bound of the kernel form.</summary>
    AskAll = 3,

    /// <summary>No form is installed for the layer.</summary>
    NoForm = 4,

    /// <summary>A commit's map swap was under way: the program saw maps of two generations.</summary>
    Generation = 5,
}

/// <summary>The layer slots of the outer maps (KF_SLOT_* in bpf/kform.h).</summary>
public static class KernelSlots
{
    /// <summary>How many slots the outer maps have.</summary>
    public const int Count = 16;

    /// <summary>FWPS_LAYER_ALE_AUTH_CONNECT_V4 (fwpsk.h).</summary>
    public const ushort AleAuthConnectV4 = 48;

    /// <summary>FWPS_LAYER_ALE_AUTH_CONNECT_V6 (fwpsk.h).</summary>
    public const ushort AleAuthConnectV6 = 50;

    /// <summary>FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V4 (fwpsk.h).</summary>
    public const ushort AleAuthRecvAcceptV4 = 44;

    /// <summary>FWPS_LAYER_ALE_AUTH_RECV_ACCEPT_V6 (fwpsk.h).</summary>
    public const ushort AleAuthRecvAcceptV6 = 46;

    /// <summary>FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V4 (fwpsk.h).</summary>
    public const ushort AleResourceAssignmentV4 = 36;

    /// <summary>FWPS_LAYER_ALE_RESOURCE_ASSIGNMENT_V6 (fwpsk.h).</summary>
    public const ushort AleResourceAssignmentV6 = 38;

    /// <summary>FWPS_LAYER_ALE_AUTH_LISTEN_V4 (fwpsk.h).</summary>
    public const ushort AleAuthListenV4 = 40;

    /// <summary>FWPS_LAYER_ALE_AUTH_LISTEN_V6 (fwpsk.h).</summary>
    public const ushort AleAuthListenV6 = 42;

    /// <summary>The layers the kernel evaluates, by slot.</summary>
    public static ReadOnlySpan<ushort> Layers =>
    [
        AleAuthConnectV4, AleAuthConnectV6, AleAuthRecvAcceptV4, AleAuthRecvAcceptV6,
        AleResourceAssignmentV4, AleResourceAssignmentV6, AleAuthListenV4, AleAuthListenV6,
    ];

    /// <summary>The slot of a run-time layer id, or -1 when the kernel does not evaluate that layer.</summary>
    /// <param name="layerId">FWPS_LAYER_*.</param>
    /// <returns>0 to <see cref="Count"/> − 1, or -1.</returns>
    public static int Of(ushort layerId) => Layers.IndexOf(layerId);
}

/// <summary>Byte-for-byte mirrors of bpf/kform.h and bpf/openwfp.bpf.c (the C asserts their sizes; so do the tests).</summary>
internal static class Kf
{
    public const int MaxTuples = 64;
    public const int MaxBucketRules = 64;
    public const int MaxSublayers = 32;
    public const int MaxRules = 262144;
    public const uint GenerationKey = 0xffffffff;
    public const uint MetaAskAll = 1;
    public const uint EventsBlock = 1;
    public const uint EventsAllow = 2;
    public const int StatNoMatch = 0;
    public const int StatPermit = 1;
    public const int StatBlock = 2;
    public const int StatAsk = 3;
    public const int StatAskBase = 4;
    public const int StatRingbufDrops = 10;
    public const int StatMarkFailures = 11;
    public const int Stats = 16;

    // enum bpf_map_type and map flags (linux/bpf.h).
    public const uint MapTypeHash = 1;
    public const uint MapTypeArray = 2;
    public const uint FInnerMap = 1u << 12;

    [StructLayout(LayoutKind.Sequential)]
    public struct Addr
    {
        public ulong Hi;
        public ulong Lo;

        public Addr(UInt128 value)
        {
            Hi = (ulong)(value >> 64);
            Lo = (ulong)value;
        }

        public readonly UInt128 Value => new(Hi, Lo);
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Input
    {
        public Addr LAddr;
        public Addr RAddr;
        public uint App;
        public ushort LPort;
        public ushort RPort;
        public byte Proto;
        public byte Known;
        public fixed byte Pad[6];
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Rule
    {
        public Addr LAddrLo;
        public Addr LAddrHi;
        public Addr RAddrLo;
        public Addr RAddrHi;
        public ulong FilterId;
        public uint Rank;
        public uint App;
        public ushort LPortLo;
        public ushort LPortHi;
        public ushort RPortLo;
        public ushort RPortHi;
        public byte ProtoLo;
        public byte ProtoHi;
        public byte Sublayer;
        public byte Action;
        public byte Fields;
        public fixed byte Pad[3];
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Tuple
    {
        public Addr LMask;
        public Addr RMask;
        public uint AppMask;
        public ushort LPortMask;
        public ushort RPortMask;
        public byte ProtoMask;
        public byte Needs;
        public byte NonEmpty;
        public fixed byte Pad[5];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MetaHeader
    {
        public ulong Generation;
        public uint LayerId;
        public uint Flags;
        public uint NTuples;
        public uint NSublayers;
        public uint NRules;
        public uint AskReason;
    }

    public const int MetaSize = 32 + (48 * MaxTuples);

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct BucketKey
    {
        public uint Tuple;
        public uint App;
        public ushort LPort;
        public ushort RPort;
        public byte Proto;
        public fixed byte Pad[3];
        public Addr LAddr;
        public Addr RAddr;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Bucket
    {
        public uint First;
        public uint Count;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Config
    {
        public uint AskMark;
        public uint MarkMask;
        public uint Events;
        public uint Pad;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct ExecId
    {
        public uint Dev;
        public uint Pad;
        public ulong Ino;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct Result
    {
        public ulong FilterId;
        public uint Verdict;
        public uint AskReason;
        public uint LayerId;
        public uint Pad;
    }

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct Event
    {
        public ulong TimeNs;
        public ulong FilterId;
        public Addr LAddr;
        public Addr RAddr;
        public uint Pid;
        public uint Uid;
        public uint App;
        public ushort LayerId;
        public ushort LPort;
        public ushort RPort;
        public byte Verdict;
        public byte IpVersion;
        public byte Proto;
        public byte Known;
        public fixed byte Pad[6];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct TestIo
    {
        public Input In;
        public Result Out;
        public uint Slot;
        public uint Pad;
    }
}
