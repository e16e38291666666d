using PretixOps.TestSupport;

namespace PretixOps.AlertIngest.Tests;

public sealed class HostTests() : ServiceHostContract<Program>("alert-ingest");
