namespace PretixOps.Contracts.Rules;

/// <summary>
/// What an <see cref="InstanceDeregistered"/> must look like: checked by Registration before it publishes one
/// and by every consumer, since anyone with broker credentials can publish one.
/// </summary>
public static class InstanceDeregisteredRules
{
    public static Violations Check(InstanceDeregistered message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var violations = new Violations();
        if (!NameRule.IsValid(message.InstanceId))
        {
            violations.Add("instanceId", NameRule.Text);
        }

        // Empty when the id is a task id: only the registry knows that instance's service.
        if (message.Service is null || (message.Service.Length > 0 && !NameRule.IsValid(message.Service)))
        {
            violations.Add("service", NameRule.Text);
        }

        if (!Enum.IsDefined(message.Reason))
        {
            violations.Add("reason", "must be Explicit or Expired.");
        }

        return violations;
    }
}
