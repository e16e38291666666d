namespace PretixOps.Contracts;

public sealed record WindowStatus(string Name, int? Min, int? Max, DateTimeOffset Until);
