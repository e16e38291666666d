namespace PretixOps.Scaler.Journal;

/// <summary>A leader's term: its epoch (fencing older leaders) and a token that ends when the term does.</summary>
public sealed record LeaderTerm(long Epoch, CancellationToken Token);
