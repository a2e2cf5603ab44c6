using System.CommandLine;
using VibeSync.Protocol.Link;

namespace VibeSync.Cli.Commands;

/// <summary>An <c>--engine</c> option that takes an engine instance (<c>KIND</c> or <c>KIND:NAME</c>), checked as it is parsed.</summary>
internal static class EngineOption
{
    /// <summary>
    /// The option; <paramref name="also"/> are further words it accepts (<c>reality</c>), and
    /// <paramref name="kind"/>, when given, the only kind it accepts.
    /// </summary>
    public static Option<string> Create(string description, string? defaultValue, string? kind = null, params string[] also)
    {
        var option = new Option<string>("--engine") { Description = description };
        if (defaultValue != null) option.DefaultValueFactory = _ => defaultValue;
        else option.Required = true;
        option.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (text == null || also.Contains(text)) return;
            if (!EngineInstance.TryParse(text, out var instance, out var why)) result.AddError(why!);
            else if (kind != null && instance!.Kind != kind) result.AddError($"'{text}' is not a {kind} instance ({kind} or {kind}:NAME)");
        });
        return option;
    }
}
