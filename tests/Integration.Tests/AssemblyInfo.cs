// These tests share one broker, one dockerd and one snmpd, and some of them stop and start those servers:
// they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
