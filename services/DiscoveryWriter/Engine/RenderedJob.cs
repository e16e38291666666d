using System.Security.Cryptography;

namespace PretixOps.DiscoveryWriter.Engine;

/// <summary>A job's targets in file_sd / http_sd format, with its ETag and how many targets it holds.</summary>
public sealed record RenderedJob(byte[] Content, string ETag, int Targets)
{
    public static RenderedJob Of(byte[] content, int targets)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new(content, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"", targets);
    }
}
