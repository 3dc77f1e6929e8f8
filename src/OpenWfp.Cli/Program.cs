using OpenWfp.Cli;

var color = !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
return WfpCli.Run(args, new CliConsole(Console.Out, Console.Error, color));
