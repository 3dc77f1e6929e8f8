using System.Runtime.InteropServices;

namespace OpenWfp.Ebpf.Native;

/// <summary>
/// The libbpf 1.x calls the data plane uses (libbpf.so.1, /usr/include/bpf/libbpf.h and bpf.h). Object and program
/// calls return NULL or a negative errno and set errno; low-level bpf(2) wrappers return -1 and set errno.
/// </summary>
internal static unsafe partial class Libbpf
{
    private const string Lib = "libbpf.so.1";

    /// <summary>BPF_ANY (linux/bpf.h): create or update.</summary>
    public const ulong BpfAny = 0;

    [LibraryImport(Lib, EntryPoint = "bpf_object__open_file", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint ObjectOpenFile(string path, nint opts);

    [LibraryImport(Lib, EntryPoint = "bpf_object__load", SetLastError = true)]
    public static partial int ObjectLoad(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__close")]
    public static partial void ObjectClose(nint obj);

    [LibraryImport(Lib, EntryPoint = "bpf_object__next_program")]
    public static partial nint ObjectNextProgram(nint obj, nint prev);

    [LibraryImport(Lib, EntryPoint = "bpf_object__next_map")]
    public static partial nint ObjectNextMap(nint obj, nint prev);

    [LibraryImport(Lib, EntryPoint = "bpf_program__name")]
    public static partial nint ProgramName(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__section_name")]
    public static partial nint ProgramSectionName(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__set_autoload")]
    public static partial int ProgramSetAutoload(nint prog, [MarshalAs(UnmanagedType.U1)] bool autoload);

    [LibraryImport(Lib, EntryPoint = "bpf_program__autoload")]
    [return: MarshalAs(UnmanagedType.U1)]
    public static partial bool ProgramAutoload(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__fd")]
    public static partial int ProgramFd(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach_cgroup", SetLastError = true)]
    public static partial nint ProgramAttachCgroup(nint prog, int cgroupFd);

    [LibraryImport(Lib, EntryPoint = "bpf_program__attach", SetLastError = true)]
    public static partial nint ProgramAttach(nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_map__name")]
    public static partial nint MapName(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__fd")]
    public static partial int MapFd(nint map);

    [LibraryImport(Lib, EntryPoint = "bpf_map__reuse_fd", SetLastError = true)]
    public static partial int MapReuseFd(nint map, int fd);

    [LibraryImport(Lib, EntryPoint = "bpf_link__pin", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int LinkPin(nint link, string path);

    [LibraryImport(Lib, EntryPoint = "bpf_link__open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial nint LinkOpen(string path);

    [LibraryImport(Lib, EntryPoint = "bpf_link__update_program", SetLastError = true)]
    public static partial int LinkUpdateProgram(nint link, nint prog);

    [LibraryImport(Lib, EntryPoint = "bpf_link__disconnect")]
    public static partial void LinkDisconnect(nint link);

    [LibraryImport(Lib, EntryPoint = "bpf_link__destroy")]
    public static partial int LinkDestroy(nint link);

    [LibraryImport(Lib, EntryPoint = "bpf_obj_get", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ObjGet(string path);

    [LibraryImport(Lib, EntryPoint = "bpf_obj_pin", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ObjPin(int fd, string path);

    [LibraryImport(Lib, EntryPoint = "bpf_map_create", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int MapCreate(uint type, string name, uint keySize, uint valueSize, uint maxEntries, MapCreateOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_map_update_elem", SetLastError = true)]
    public static partial int MapUpdateElem(int fd, void* key, void* value, ulong flags);

    [LibraryImport(Lib, EntryPoint = "bpf_map_lookup_elem", SetLastError = true)]
    public static partial int MapLookupElem(int fd, void* key, void* value);

    [LibraryImport(Lib, EntryPoint = "bpf_map_delete_elem", SetLastError = true)]
    public static partial int MapDeleteElem(int fd, void* key);

    [LibraryImport(Lib, EntryPoint = "bpf_map_get_next_key", SetLastError = true)]
    public static partial int MapGetNextKey(int fd, void* key, void* nextKey);

    [LibraryImport(Lib, EntryPoint = "bpf_map_update_batch", SetLastError = true)]
    public static partial int MapUpdateBatch(int fd, void* keys, void* values, uint* count, MapBatchOpts* opts);

    [LibraryImport(Lib, EntryPoint = "bpf_prog_test_run_opts", SetLastError = true)]
    public static partial int ProgTestRun(int progFd, TestRunOpts* opts);

    [LibraryImport(Lib, EntryPoint = "libbpf_num_possible_cpus")]
    public static partial int NumPossibleCpus();

    [LibraryImport(Lib, EntryPoint = "libbpf_set_print")]
    public static partial nint SetPrint(delegate* unmanaged<int, nint, nint, int> print);

    [LibraryImport(Lib, EntryPoint = "ring_buffer__new", SetLastError = true)]
    public static partial nint RingBufferNew(int mapFd, delegate* unmanaged<nint, void*, nuint, int> sample, nint ctx, nint opts);

    [LibraryImport(Lib, EntryPoint = "ring_buffer__poll", SetLastError = true)]
    public static partial int RingBufferPoll(nint rb, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "ring_buffer__free")]
    public static partial void RingBufferFree(nint rb);

    /// <summary>The C string at <paramref name="p"/>, or "" for NULL.</summary>
    public static string Str(nint p) => p == 0 ? string.Empty : Marshal.PtrToStringUTF8(p) ?? string.Empty;

    /// <summary>struct bpf_map_create_opts (bpf.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MapCreateOpts
    {
        public nuint Sz;
        public uint BtfFd;
        public uint BtfKeyTypeId;
        public uint BtfValueTypeId;
        public uint BtfVmlinuxValueTypeId;
        public uint InnerMapFd;
        public uint MapFlags;
        public ulong MapExtra;
        public uint NumaNode;
        public uint MapIfindex;
    }

    /// <summary>struct bpf_map_batch_opts (bpf.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MapBatchOpts
    {
        public nuint Sz;
        public ulong ElemFlags;
        public ulong Flags;
    }

    /// <summary>struct bpf_test_run_opts (bpf.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TestRunOpts
    {
        public nuint Sz;
        public nint DataIn;
        public nint DataOut;
        public uint DataSizeIn;
        public uint DataSizeOut;
        public nint CtxIn;
        public nint CtxOut;
        public uint CtxSizeIn;
        public uint CtxSizeOut;
        public uint Retval;
        public int Repeat;
        public uint Duration;
        public uint Flags;
        public uint Cpu;
        public uint BatchSize;
    }
}

/// <summary>The libc calls the loader needs.</summary>
internal static partial class LibC
{
    /// <summary>O_RDONLY | O_DIRECTORY | O_CLOEXEC (asm-generic/fcntl.h).</summary>
    public const int OpenDirectory = 0x0 | 0x10000 | 0x80000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "vsnprintf")]
    public static unsafe partial int VsnPrintf(byte* buffer, nuint size, nint format, nint args);

    [LibraryImport("libc", EntryPoint = "strerror")]
    public static partial nint StrError(int errno);

    /// <summary>errno's text, as "Operation not permitted (1)".</summary>
    public static string Describe(int errno) => $"{Libbpf.Str(StrError(errno))} ({errno})";
}
