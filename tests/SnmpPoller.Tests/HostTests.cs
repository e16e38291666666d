using PretixOps.TestSupport;

namespace PretixOps.SnmpPoller.Tests;

public sealed class HostTests() : ServiceHostContract<Program>("snmp-poller");
