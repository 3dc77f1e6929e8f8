using System.Runtime.Versioning;

// wfpd runs on Linux; the store tests chmod files to test permission errors.
[assembly: UnsupportedOSPlatform("windows")]
