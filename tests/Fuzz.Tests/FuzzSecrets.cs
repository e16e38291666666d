using System.Security.Cryptography;

namespace PretixOps.Fuzz.Tests;

/// <summary>
/// The secrets of one campaign's services, fresh each run, beside the bearer tokens every started service accepts
/// (ServiceProcess): none of them may appear in any log line.
/// </summary>
internal sealed class FuzzSecrets
{
    public const string AlertmanagerUser = "alertmanager";

    public string AlertmanagerPassword { get; } = "am-" + RandomNumberGenerator.GetHexString(24, lowercase: true);

    public string HmacSecret { get; } = "hmac-" + RandomNumberGenerator.GetHexString(24, lowercase: true);

    public string Community { get; } = "community-" + RandomNumberGenerator.GetHexString(16, lowercase: true);
}
