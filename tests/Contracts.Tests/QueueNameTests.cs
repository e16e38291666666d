namespace PretixOps.Contracts.Tests;

/// <summary>
/// A queue's name is part of the contract like a message's namespace: renamed, the messages waiting in the old queue
/// have no consumer, and every <c>&lt;queue&gt;_error</c> an operator knows moves with it.
/// </summary>
public sealed class QueueNameTests
{
    [Fact]
    public void The_scalers_queue_keeps_its_name() => Assert.Equal("scaler", QueueNames.Scaler);
}
