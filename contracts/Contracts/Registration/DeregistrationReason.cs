using System.Text.Json.Serialization;

namespace PretixOps.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<DeregistrationReason>))]
public enum DeregistrationReason
{
    Explicit,
    Expired,
}
