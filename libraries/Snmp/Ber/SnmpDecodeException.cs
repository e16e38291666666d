namespace PretixOps.Snmp;

/// <summary>A datagram that is not valid BER or not a valid SNMP message; the client drops and counts it.</summary>
internal sealed class SnmpDecodeException(string message) : Exception(message);
