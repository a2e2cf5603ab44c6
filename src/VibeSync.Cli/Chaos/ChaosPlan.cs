using System.Security.Cryptography;
using System.Text;

namespace VibeSync.Cli.Chaos;

/// <summary>What one step of a soak does.</summary>
internal enum StepKind
{
    // Faults, dealt from a shuffled deck so each kind comes round once per deck.
    KillServe, KillBlender, KillSim, DomainReload, BlenderUndo, BlenderReload, JunkBytes, JunkBadMac, JunkHalfOpen, FullDisk,
    // What people do between faults.
    BlenderEdit, UnityEdit, BlenderSave, UnitySave, AiIntent, CliIntent, HumanTends,
    // Nothing injected for a while, then every invariant is checked.
    Quiet,
}

/// <summary>
/// One step: its kind, the pause before it and its own seed, from which it draws everything it
/// chooses (objects, values, delays). Nothing a step chooses depends on what happened at run time
/// beyond that seed, so the sequence of steps is the same on every replay of a seed.
/// </summary>
internal sealed record ChaosStep(int Index, double GapSeconds, StepKind Kind, int Seed)
{
    public bool IsFault => Kind < StepKind.BlenderEdit;

    public string Name => Names[Kind];

    public static readonly IReadOnlyDictionary<StepKind, string> Names = new Dictionary<StepKind, string>
    {
        [StepKind.KillServe] = "kill -9 serve",
        [StepKind.KillBlender] = "kill -9 Blender",
        [StepKind.KillSim] = "kill -9 simulator",
        [StepKind.DomainReload] = "domain reload",
        [StepKind.BlenderUndo] = "Blender undo (and redo)",
        [StepKind.BlenderReload] = "Blender file reload",
        [StepKind.JunkBytes] = "junk: random bytes",
        [StepKind.JunkBadMac] = "junk: bad-MAC frames",
        [StepKind.JunkHalfOpen] = "junk: half-open connections",
        [StepKind.FullDisk] = "full disk",
        [StepKind.BlenderEdit] = "human edit in Blender",
        [StepKind.UnityEdit] = "human edit in Unity",
        [StepKind.BlenderSave] = "save in Blender",
        [StepKind.UnitySave] = "save in Unity",
        [StepKind.AiIntent] = "AI intent (MCP)",
        [StepKind.CliIntent] = "human intent (CLI)",
        [StepKind.HumanTends] = "human approves/denies",
        [StepKind.Quiet] = "quiet check",
    };
}

/// <summary>
/// The endless, seeded sequence of steps of <c>vibesync chaos</c>: faults dealt from a deck shuffled
/// per round, each followed by a burst of human edits, AI intents and approvals, and a quiet check
/// every ~25 s of activity.
/// </summary>
internal sealed class ChaosPlan
{
    private static readonly StepKind[] Deck =
    {
        StepKind.KillServe, StepKind.KillBlender, StepKind.KillSim, StepKind.DomainReload, StepKind.BlenderUndo, StepKind.BlenderReload,
        StepKind.JunkBytes, StepKind.JunkBadMac, StepKind.JunkHalfOpen, StepKind.FullDisk,
    };

    private static readonly (StepKind Kind, int Weight)[] Activity =
    {
        (StepKind.BlenderEdit, 26), (StepKind.UnityEdit, 26), (StepKind.AiIntent, 22), (StepKind.CliIntent, 5),
        (StepKind.HumanTends, 12), (StepKind.BlenderSave, 4), (StepKind.UnitySave, 5),
    };

    private const double QuietEverySeconds = 25;
    private readonly Random _random;

    /// <summary>The plan of <paramref name="seed"/>; the scene draws from its own stream of the same seed.</summary>
    public ChaosPlan(int seed) => _random = new Random(seed ^ 0x5eed);

    public IEnumerable<ChaosStep> Steps()
    {
        int index = 0;
        double sinceQuiet = 0;
        while (true)
        {
            var deck = Deck.ToArray();
            _random.Shuffle(deck);
            foreach (var fault in deck)
            {
                yield return new ChaosStep(index++, Gap(), fault, _random.Next());
                int burst = 6 + _random.Next(9);
                for (int i = 0; i < burst; i++)
                {
                    double gap = Gap();
                    sinceQuiet += gap;
                    yield return new ChaosStep(index++, gap, Pick(), _random.Next());
                    if (sinceQuiet >= QuietEverySeconds)
                    {
                        sinceQuiet = 0;
                        yield return new ChaosStep(index++, 0, StepKind.Quiet, _random.Next());
                    }
                }
            }
        }
    }

    /// <summary>The first <paramref name="count"/> steps as a short hash: two runs with the same fingerprint play the same schedule.</summary>
    public static string Fingerprint(int seed, int count = 2000)
    {
        var plan = new ChaosPlan(seed);
        var text = new StringBuilder();
        foreach (var s in plan.Steps().Take(count)) text.Append(s.Kind).Append(' ').Append(s.GapSeconds.ToString("R")).Append(' ').Append(s.Seed).Append('\n');
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    private double Gap() => 0.3 + 0.9 * _random.NextDouble();

    private StepKind Pick()
    {
        int total = Activity.Sum(a => a.Weight), roll = _random.Next(total);
        foreach (var (kind, weight) in Activity)
        {
            if (roll < weight) return kind;
            roll -= weight;
        }
        return Activity[^1].Kind;
    }
}
