using System.Net;
using PretixOps.Snmp;

namespace PretixOps.SnmpPoller.Tests;

/// <summary>A net-snmp agent's answers for the host module, shortened: what the interpretation tests read.</summary>
internal static class HostMib
{
    private static Varbind I(string oid, int value) => new(Oid.Parse(oid), SnmpValue.Integer(value));

    private static Varbind S(string oid, string value) => new(Oid.Parse(oid), SnmpValue.OctetString(value));

    private static Varbind O(string oid, string value) => new(Oid.Parse(oid), SnmpValue.ObjectIdentifier(Oid.Parse(value)));

    private static Varbind C(string oid, uint value) => new(Oid.Parse(oid), SnmpValue.Counter32(value));

    private const string Ram = "1.3.6.1.2.1.25.2.1.2";
    private const string Virtual = "1.3.6.1.2.1.25.2.1.3";
    private const string Other = "1.3.6.1.2.1.25.2.1.1";
    private const string FixedDisk = "1.3.6.1.2.1.25.2.1.4";

    public static Varbind[] Linux =>
    [
        new(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(5000)),
        new(Oid.Parse("1.3.6.1.2.1.25.1.1.0"), SnmpValue.TimeTicks(1_017_293)),
        O("1.3.6.1.2.1.25.2.3.1.2.1", Ram), O("1.3.6.1.2.1.25.2.3.1.2.3", Virtual), O("1.3.6.1.2.1.25.2.3.1.2.7", Other),
        O("1.3.6.1.2.1.25.2.3.1.2.10", Virtual), O("1.3.6.1.2.1.25.2.3.1.2.36", FixedDisk), O("1.3.6.1.2.1.25.2.3.1.2.37", FixedDisk),
        O("1.3.6.1.2.1.25.2.3.1.2.39", FixedDisk), S("1.3.6.1.2.1.25.2.3.1.3.39", "/"), I("1.3.6.1.2.1.25.2.3.1.4.39", 4096),
        I("1.3.6.1.2.1.25.2.3.1.5.39", 1), I("1.3.6.1.2.1.25.2.3.1.6.39", 1),
        S("1.3.6.1.2.1.25.2.3.1.3.1", "Physical memory"), S("1.3.6.1.2.1.25.2.3.1.3.3", "Virtual memory"),
        S("1.3.6.1.2.1.25.2.3.1.3.7", "Cached memory"), S("1.3.6.1.2.1.25.2.3.1.3.10", "Swap space"),
        S("1.3.6.1.2.1.25.2.3.1.3.36", "/"), S("1.3.6.1.2.1.25.2.3.1.3.37", "/srv/\"odd\" mount"),
        I("1.3.6.1.2.1.25.2.3.1.4.1", 1024), I("1.3.6.1.2.1.25.2.3.1.4.3", 1024), I("1.3.6.1.2.1.25.2.3.1.4.7", 1024),
        I("1.3.6.1.2.1.25.2.3.1.4.10", 1024), I("1.3.6.1.2.1.25.2.3.1.4.36", 4096), I("1.3.6.1.2.1.25.2.3.1.4.37", 4096),
        I("1.3.6.1.2.1.25.2.3.1.5.1", 24_684_096), I("1.3.6.1.2.1.25.2.3.1.5.3", 26_781_248), I("1.3.6.1.2.1.25.2.3.1.5.7", 1_292_692),
        I("1.3.6.1.2.1.25.2.3.1.5.10", 2_097_152), I("1.3.6.1.2.1.25.2.3.1.5.36", 66_053_021), I("1.3.6.1.2.1.25.2.3.1.5.37", -5),
        I("1.3.6.1.2.1.25.2.3.1.6.1", 1_489_912), I("1.3.6.1.2.1.25.2.3.1.6.3", 1_490_936), I("1.3.6.1.2.1.25.2.3.1.6.7", 1_292_692),
        I("1.3.6.1.2.1.25.2.3.1.6.10", 1024), I("1.3.6.1.2.1.25.2.3.1.6.36", 9_000_000), I("1.3.6.1.2.1.25.2.3.1.6.37", 1),
        I("1.3.6.1.2.1.25.3.3.1.2.196608", 12), I("1.3.6.1.2.1.25.3.3.1.2.196609", 100),
        I("1.3.6.1.4.1.2021.4.3.0", 2_097_152), I("1.3.6.1.4.1.2021.4.4.0", 2_096_128),
        I("1.3.6.1.4.1.2021.4.5.0", 24_684_096), I("1.3.6.1.4.1.2021.4.6.0", 23_194_184),
        new(Oid.Parse("1.3.6.1.4.1.2021.4.27.0"), SnmpValue.Counter64(23_777_076)),
        I("1.3.6.1.4.1.2021.4.14.0", 20_328), I("1.3.6.1.4.1.2021.4.15.0", 1_292_692),
        S("1.3.6.1.4.1.2021.10.1.3.1", "0.71"), S("1.3.6.1.4.1.2021.10.1.3.2", "0.64"), S("1.3.6.1.4.1.2021.10.1.3.3", "1.04"),
        C("1.3.6.1.4.1.2021.11.50.0", 829_872), C("1.3.6.1.4.1.2021.11.51.0", 0), C("1.3.6.1.4.1.2021.11.52.0", 9_999),
        C("1.3.6.1.4.1.2021.11.53.0", 1_132_034), C("1.3.6.1.4.1.2021.11.54.0", 3_596), C("1.3.6.1.4.1.2021.11.55.0", 1_000),
        C("1.3.6.1.4.1.2021.11.56.0", 0), C("1.3.6.1.4.1.2021.11.61.0", 2_363), C("1.3.6.1.4.1.2021.11.64.0", 19_764),
    ];

    /// <summary>An agent with HOST-RESOURCES-MIB's uptime missing and no UCD-SNMP-MIB at all.</summary>
    public static Varbind[] Minimal =>
    [
        new(Oid.Parse("1.3.6.1.2.1.1.3.0"), SnmpValue.TimeTicks(5000)),
        O("1.3.6.1.2.1.25.2.3.1.2.1", Ram), S("1.3.6.1.2.1.25.2.3.1.3.1", "Physical memory"),
        I("1.3.6.1.2.1.25.2.3.1.4.1", 65536), I("1.3.6.1.2.1.25.2.3.1.5.1", 1000), I("1.3.6.1.2.1.25.2.3.1.6.1", 10),
    ];

    public static SnmpTarget Target => new(new IPEndPoint(IPAddress.Loopback, 161));
}
