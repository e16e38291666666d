using System.Text.Json.Serialization;

namespace PretixOps.Contracts;

[JsonConverter(typeof(JsonStringEnumConverter<AlertSource>))]
public enum AlertSource
{
    Alertmanager,
    Grafana,
    GrafanaLegacy,
}
