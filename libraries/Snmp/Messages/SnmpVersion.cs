namespace PretixOps.Snmp;

/// <summary>The message version field: 0 is SNMPv1, 1 SNMPv2c, 3 SNMPv3.</summary>
public enum SnmpVersion
{
    V1 = 0,
    V2c = 1,
    V3 = 3,
}
