using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults;

/// <summary>Recognises the exceptions that mean "a setting is wrong" and says which setting, without its value.</summary>
public static class ConfigurationFailure
{
    private const string BinderAssembly = "Microsoft.Extensions.Configuration.Binder";

    public static string? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            OptionsValidationException invalid => string.Join("; ", invalid.Failures),
            AggregateException many when many.InnerExceptions.All(e => Describe(e) is not null) =>
                string.Join("; ", many.InnerExceptions.Select(e => Describe(e))),
            // The binder names the key ("Failed to convert configuration value at 'Messaging:Port'"); for a
            // nested section it says so in an inner exception, so the chain is read to the end.
            InvalidOperationException binding when binding.Source == BinderAssembly =>
                string.Join(" ", Chain(binding).Where(e => e.Source == BinderAssembly).Select(e => e.Message).Reverse()),
            _ => null,
        };
    }

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }
}
