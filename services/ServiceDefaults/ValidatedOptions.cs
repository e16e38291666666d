using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PretixOps.ServiceDefaults;

public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to a configuration section, strictly (an unknown key is an error: a typo
    /// must not silently fall back to a default), and validates it when the host starts, so a bad setting
    /// stops the service with a message that names the setting.
    /// </summary>
    public static OptionsBuilder<T> AddValidatedOptions<T>(this IServiceCollection services, string section)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SectionValidator<T>(section));
        return services.AddOptions<T>()
            .BindConfiguration(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
    }

    /// <summary>
    /// The same binding and the same checks as at start, for a section read again while the service runs (a
    /// reloaded file): the options, or every problem, each naming its setting.
    /// </summary>
    public static (T? Options, IReadOnlyList<string> Problems) BindAndValidate<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            return (null, [$"{section}: {e.Message}"]);
        }

        var problems = Problems(options, section);
        return problems.Count == 0 ? (options, problems) : (null, problems);
    }

    private static List<string> Problems<T>(T options, string section)
        where T : class
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return [.. results.Select(r =>
            r.MemberNames.Any()
                ? $"{section}:{string.Join(", ", r.MemberNames)}: {r.ErrorMessage}"
                : $"{section}: {r.ErrorMessage}")];
    }

    private sealed class SectionValidator<T>(string section) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = Problems(options, section);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
