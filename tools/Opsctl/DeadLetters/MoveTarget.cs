namespace PretixOps.Opsctl.DeadLetters;

/// <summary>Where moved messages go: back to the queue they failed on, or to an archive queue kept for inspection.</summary>
public enum MoveTarget
{
    Replay,
    Archive,
}
