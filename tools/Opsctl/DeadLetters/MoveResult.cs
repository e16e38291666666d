namespace PretixOps.Opsctl.DeadLetters;

/// <summary>What a move did.</summary>
public sealed record MoveResult(int Scanned, int Selected, int Moved, bool Cancelled);
