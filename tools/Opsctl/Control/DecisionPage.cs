using PretixOps.Contracts;

namespace PretixOps.Opsctl.Control;

/// <summary>Decisions, newest first; <see cref="More"/> when an older page was left unread.</summary>
public sealed record DecisionPage(IReadOnlyList<Answer<RecordedDecision>> Decisions, bool More);
