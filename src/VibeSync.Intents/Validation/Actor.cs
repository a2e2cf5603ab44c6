namespace VibeSync.Intents.Validation;

/// <summary>Who submits an intent, in order of authority (DESIGN §4): a higher value outranks a lower.</summary>
public enum ActorKind
{
    /// <summary>An engine reporting on its own (lowest).</summary>
    Engine = 0,
    /// <summary>An AI agent (through MCP).</summary>
    Ai = 1,
    /// <summary>The orchestrator itself (resync, restore).</summary>
    Orchestrator = 2,
    /// <summary>A person, in an editor or at the CLI.</summary>
    Human = 3,
    /// <summary>A person using the emergency override (highest).</summary>
    EmergencyOverride = 4,
}

/// <summary>An actor: its kind and a name for the log, e.g. (Human, "blender") or (Ai, "claude").</summary>
public sealed record Actor(ActorKind Kind, string Name)
{
    /// <summary>As written in the WAL's actor field, e.g. <c>ai:claude</c>.</summary>
    public override string ToString() => Kind switch
    {
        ActorKind.Ai => "ai:",
        ActorKind.Human => "human:",
        ActorKind.EmergencyOverride => "emergency:",
        ActorKind.Orchestrator => "system:",
        _ => "engine:",
    } + Name;

    /// <summary>Reads the WAL's actor field back, e.g. <c>ai:claude</c>.</summary>
    /// <exception cref="FormatException">Not <c>kind:name</c> with a known kind.</exception>
    public static Actor Parse(string text)
    {
        int colon = text.IndexOf(':');
        if (colon <= 0) throw new FormatException($"'{text}' is not an actor (kind:name)");
        var kind = text[..colon] switch
        {
            "ai" => ActorKind.Ai,
            "human" => ActorKind.Human,
            "emergency" => ActorKind.EmergencyOverride,
            "system" => ActorKind.Orchestrator,
            "engine" => ActorKind.Engine,
            var other => throw new FormatException($"'{other}' is not an actor kind"),
        };
        return new Actor(kind, text[(colon + 1)..]);
    }
}
