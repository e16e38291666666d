using PretixOps.TestSupport;

namespace PretixOps.DiscoveryWriter.Tests;

public sealed class HostTests() : ServiceHostContract<Program>("discovery-writer");
