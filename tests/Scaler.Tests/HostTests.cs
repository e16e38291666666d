using PretixOps.TestSupport;

namespace PretixOps.Scaler.Tests;

public sealed class HostTests() : ServiceHostContract<Program>("scaler");
