// wfpd serves a Unix socket and reads /proc: it is a Linux program.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
