namespace PretixOps.Snmp;

/// <summary>A user's keys localized to one engine id.</summary>
internal sealed record LocalizedKeys(byte[]? AuthKey, byte[]? PrivKey);
