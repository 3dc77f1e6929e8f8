namespace OpenWfp.Engine.Security;

/// <summary>
/// Access-mask bits used by security descriptors: Win32 standard and generic rights, the WFP management rights
/// (FWPM_ACTRL_*, fwpmu.h; https://learn.microsoft.com/en-us/windows/win32/fwp/access-control) and the WFP generic mapping (FWPM_GENERIC_*, fwpmu.h).
/// </summary>
public static class AccessMasks
{
    /// <summary>DELETE.</summary>
    public const uint Delete = 0x0001_0000;

    /// <summary>READ_CONTROL (also STANDARD_RIGHTS_READ/WRITE/EXECUTE).</summary>
    public const uint ReadControl = 0x0002_0000;

    /// <summary>WRITE_DAC.</summary>
    public const uint WriteDac = 0x0004_0000;

    /// <summary>WRITE_OWNER.</summary>
    public const uint WriteOwner = 0x0008_0000;

    /// <summary>SYNCHRONIZE.</summary>
    public const uint Synchronize = 0x0010_0000;

    /// <summary>STANDARD_RIGHTS_REQUIRED: DELETE | READ_CONTROL | WRITE_DAC | WRITE_OWNER.</summary>
    public const uint StandardRightsRequired = 0x000F_0000;

    /// <summary>ACCESS_SYSTEM_SECURITY.</summary>
    public const uint AccessSystemSecurity = 0x0100_0000;

    /// <summary>MAXIMUM_ALLOWED. The access check treats it as an ordinary bit that no mapping produces.</summary>
    public const uint MaximumAllowed = 0x0200_0000;

    /// <summary>GENERIC_ALL.</summary>
    public const uint GenericAll = 0x1000_0000;

    /// <summary>GENERIC_EXECUTE.</summary>
    public const uint GenericExecute = 0x2000_0000;

    /// <summary>GENERIC_WRITE.</summary>
    public const uint GenericWrite = 0x4000_0000;

    /// <summary>GENERIC_READ.</summary>
    public const uint GenericRead = 0x8000_0000;

    /// <summary>The four generic bits.</summary>
    public const uint GenericMask = GenericAll | GenericExecute | GenericWrite | GenericRead;

    /// <summary>FWPM_ACTRL_ADD.</summary>
    public const uint FwpmAdd = 0x001;

    /// <summary>FWPM_ACTRL_ADD_LINK.</summary>
    public const uint FwpmAddLink = 0x002;

    /// <summary>FWPM_ACTRL_BEGIN_READ_TXN.</summary>
    public const uint FwpmBeginReadTxn = 0x004;

    /// <summary>FWPM_ACTRL_BEGIN_WRITE_TXN.</summary>
    public const uint FwpmBeginWriteTxn = 0x008;

    /// <summary>FWPM_ACTRL_CLASSIFY.</summary>
    public const uint FwpmClassify = 0x010;

    /// <summary>FWPM_ACTRL_ENUM.</summary>
    public const uint FwpmEnum = 0x020;

    /// <summary>FWPM_ACTRL_OPEN.</summary>
    public const uint FwpmOpen = 0x040;

    /// <summary>FWPM_ACTRL_READ.</summary>
    public const uint FwpmRead = 0x080;

    /// <summary>FWPM_ACTRL_READ_STATS.</summary>
    public const uint FwpmReadStats = 0x100;

    /// <summary>FWPM_ACTRL_SUBSCRIBE.</summary>
    public const uint FwpmSubscribe = 0x200;

    /// <summary>FWPM_ACTRL_WRITE.</summary>
    public const uint FwpmWrite = 0x400;

    /// <summary>FWPM_GENERIC_READ = STANDARD_RIGHTS_READ | BEGIN_READ_TXN | CLASSIFY | OPEN | READ | READ_STATS (0x201D4).</summary>
    public const uint FwpmGenericRead = ReadControl | FwpmBeginReadTxn | FwpmClassify | FwpmOpen | FwpmRead | FwpmReadStats;

    /// <summary>FWPM_GENERIC_EXECUTE = STANDARD_RIGHTS_EXECUTE | ENUM | SUBSCRIBE (0x20220).</summary>
    public const uint FwpmGenericExecute = ReadControl | FwpmEnum | FwpmSubscribe;

    /// <summary>FWPM_GENERIC_WRITE = STANDARD_RIGHTS_WRITE | DELETE | ADD | ADD_LINK | BEGIN_WRITE_TXN | WRITE (0x3040B).</summary>
    public const uint FwpmGenericWrite = ReadControl | Delete | FwpmAdd | FwpmAddLink | FwpmBeginWriteTxn | FwpmWrite;

    /// <summary>FWPM_GENERIC_ALL = STANDARD_RIGHTS_REQUIRED | all eleven FWPM_ACTRL_* bits (0xF07FF).</summary>
    public const uint FwpmGenericAll = StandardRightsRequired | 0x7FF;

    /// <summary>
    /// Replaces the generic bits of <paramref name="mask"/> with the WFP mapping (as MapGenericMask would with the
    /// FWPM_GENERIC_* GENERIC_MAPPING); other bits are kept.
    /// </summary>
    /// <param name="mask">An access mask that may hold generic bits.</param>
    /// <returns>The mask with no generic bits left.</returns>
    public static uint MapGeneric(uint mask)
    {
        var mapped = mask & ~GenericMask;
        if ((mask & GenericRead) != 0)
        {
            mapped |= FwpmGenericRead;
        }

        if ((mask & GenericWrite) != 0)
        {
            mapped |= FwpmGenericWrite;
        }

        if ((mask & GenericExecute) != 0)
        {
            mapped |= FwpmGenericExecute;
        }

        if ((mask & GenericAll) != 0)
        {
            mapped |= FwpmGenericAll;
        }

        return mapped;
    }
}
