using PretixOps.Benchmarks;

// `floor PORT` is the do-nothing Kestrel endpoint the others are compared with; it runs as its own process.
return args switch
{
    ["floor", var port] => await Floor.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture)),
    ["registration", ..] => await RegistrationBenchmark.RunAsync(args[1..]),
    ["alerts", ..] => await AlertBenchmark.RunAsync(args[1..]),
    ["scaler", ..] => await ScalerBenchmark.RunAsync(args[1..]),
    ["scaler-signals", ..] => await ScalerSignalsBenchmark.RunAsync(args[1..]),
    ["scaler-cost", ..] => await ScalerCostBenchmark.RunAsync(args[1..]),
    ["scaler-journal", ..] => await ScalerJournalBenchmark.RunAsync(args[1..]),
    ["replay", ..] => await ReplayBenchmark.RunAsync(args[1..]),
    ["snmp", ..] => await SnmpBenchmark.RunAsync(args[1..]),
    ["report"] => await BenchReport.RunAsync(),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Benchmarks registration [--count N] [--connections N] | alerts [--payloads N] [--senders N] | scaler [--decisions N] | scaler-signals [--steps N] | scaler-cost [--services N] | scaler-journal [--repeats N] [--in-flight N] | snmp [--duration SECONDS] [--agents N] | replay [--messages N] | report | floor PORT");
    return 2;
}
