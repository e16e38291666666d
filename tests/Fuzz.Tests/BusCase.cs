namespace PretixOps.Fuzz.Tests;

/// <summary>
/// One message put straight on a service's queue. <see cref="Expected"/>: the dead-letter queue suffix it must end in
/// (<c>_error</c> for a malformed message, <c>_skipped</c> for a type the queue does not take), or null when it is
/// well-formed and simply consumed.
/// </summary>
internal sealed record BusCase(string Queue, string MessageType, string Kind, string MessageId, byte[] Body, string ContentType, string? Expected);
