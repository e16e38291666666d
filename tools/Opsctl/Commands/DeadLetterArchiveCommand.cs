using PretixOps.Opsctl.DeadLetters;

namespace PretixOps.Opsctl.Commands;

/// <summary><c>opsctl dlq archive</c>: messages to <c>&lt;queue&gt;_archive</c>, headers and all.</summary>
internal sealed class DeadLetterArchiveCommand() : DeadLetterMoveCommand("archive", "Move messages to <queue>_archive, kept for inspection", MoveTarget.Archive);
