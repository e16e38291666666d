using PretixOps.TestSupport;

namespace PretixOps.Registration.Tests;

public sealed class HostTests() : ServiceHostContract<Program>("registration");
