namespace PretixOps.Snmp;

/// <summary>msgSecurityParameters of the User-based Security Model (RFC 3414 section 2.4).</summary>
internal sealed record UsmParameters(byte[] EngineId, int EngineBoots, int EngineTime, byte[] UserName, byte[] AuthParameters, byte[] PrivParameters);
