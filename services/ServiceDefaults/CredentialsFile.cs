using System.Text.Json;
using System.Text.Json.Serialization;

namespace PretixOps.ServiceDefaults;

/// <summary>
/// <c>Auth:CredentialsFile</c>: a JSON array of credentials (a Docker secret), such as
/// <c>[{"name":"pretix_web","sha256":"…","roles":["register"],"services":["pretix_web"]}]</c>, or the same objects one a
/// line (JSON lines, as <c>deploy/registration/issue-credential.sh</c> prints them). Unknown fields are
/// refused, so a misspelt <c>servcies</c> cannot quietly leave a credential without its services.
/// </summary>
public static class CredentialsFile
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 8,
    };

    /// <summary>The file's credentials, or the problems that stop it being used, each naming its entry and field.</summary>
    public static (IReadOnlyList<Credential> Credentials, IReadOnlyList<(string Field, string Problem)> Problems) Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return ([], [("CredentialsFile", $"names a file that does not exist: {path}")]);
        }

        List<Credential?>? credentials = null;
        var text = File.ReadAllText(path);
        var line = 0;
        try
        {
            if (text.TrimStart().StartsWith('['))
            {
                credentials = JsonSerializer.Deserialize<List<Credential?>>(text, Json);
            }
            else
            {
                // JSON lines: what issue-credential.sh prints, one entry a line, appended as credentials are issued.
                credentials = [];
                foreach (var entry in text.Split('\n'))
                {
                    line++;
                    if (entry.Trim().Length > 0)
                    {
                        credentials.Add(JsonSerializer.Deserialize<Credential?>(entry, Json));
                    }
                }
            }
        }
        catch (JsonException ex)
        {
            // The message names the entry and line, never a value: a half-written secret stays out of the log.
            var entry = line > 0 ? $"[{credentials?.Count ?? 0}]" : "";
            return ([], [($"CredentialsFile{entry}{Field(ex.Path)}",
                $"is not a JSON array (or JSON lines) of credential objects with known fields of the right types (line {(line > 0 ? line : ex.LineNumber + 1)}).")]);
        }

        if (credentials is null || credentials.Any(c => c is null))
        {
            return ([], [("CredentialsFile", "must be a JSON array of credential objects.")]);
        }

        var problems = new List<(string, string)>();
        for (var i = 0; i < credentials.Count; i++)
        {
            problems.AddRange(credentials[i]!.Problems().Select(p => ($"CredentialsFile[{i}].{JsonNamingPolicy.CamelCase.ConvertName(p.Field)}", p.Problem)));
        }

        return ([.. credentials.OfType<Credential>()], problems);
    }

    private static string Field(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "" : path.TrimStart('$');
}
