using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VibeSync.Protocol.Hashing;
using VibeSync.Orchestrator.WebConsole;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// The control API the CLI and the MCP server use: HTTP on 127.0.0.1 only, answering only a
/// request whose Host is this address (or localhost) at this port, so a web page that points a
/// name it controls at 127.0.0.1 (DNS rebinding) is turned away, and that bears one of two
/// secrets, compared in constant time: <c>Authorization: Bearer &lt;DIR/keys/control.token&gt;</c>,
/// the person who runs the orchestrator (whoever can read that 0600 file), or the AI credential
/// <c>DIR/keys/ai.token</c>, which <c>vibesync mcp</c> holds: AI actors only, on the routes an
/// agent may use (<see cref="Credentials.RefusalForAi"/>), every answer seen as an AI sees it.
/// </summary>
public sealed class ControlApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlApi(WebApplication app) => _app = app;

    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Starts the API on <paramref name="port"/> (0: a free one) with its routes.</summary>
    public static async Task<ControlApi> StartAsync(int port, byte[] token, byte[] aiToken, OrchestratorService service)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // serve owns the process's signals and shutdown order (flush the pipeline, then the WAL): the
        // web host must not install its console lifetime, whose SIGTERM handling races serve's own.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, ServeOwnsLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var human = Encoding.ASCII.GetBytes("Bearer " + Hex.Encode(token));
        var ai = Encoding.ASCII.GetBytes("Bearer " + Hex.Encode(aiToken));
        var console = new ConsoleGuard(new LoginNonces(token), new ConsoleSessions(token, Path.Combine(service.DataDirectory, "console-sessions")), service.DataDirectory, TimeProvider.System);
        app.Use(async (context, next) =>
        {
            // The console has its own gate (a session cookie, never a Bearer token): WebConsole/ConsoleGuard.
            if (ConsoleGuard.Owns(context.Request.Path))
            {
                await console.HandleAsync(context, next);
                return;
            }
            if (!LoopbackHost.IsOurs(context))
            {
                await Refuse(context, StatusCodes.Status403Forbidden, "BAD_HOST", $"the control API answers only Host {LoopbackHost.Accepted(context)}");
                return;
            }
            var given = Encoding.ASCII.GetBytes(context.Request.Headers.Authorization.ToString());
            bool isHuman = CryptographicOperations.FixedTimeEquals(given, human), isAi = CryptographicOperations.FixedTimeEquals(given, ai);
            if (!isHuman && !isAi)
            {
                await Refuse(context, StatusCodes.Status401Unauthorized, "UNAUTHORIZED", "send Authorization: Bearer <the hex in keys/control.token, or keys/ai.token for an AI agent>");
                return;
            }
            if (isAi && Credentials.RefusalForAi(context.Request) is { } why)
            {
                await Refuse(context, StatusCodes.Status403Forbidden, "FORBIDDEN_FOR_AI", why);
                return;
            }
            Credentials.Set(context, isHuman ? Credential.Human : Credential.Ai);
            await next(context);
        });
        app.Use(ErrorAnswers.AsJsonAsync);
        var agent = new AgentView(service);
        app.MapGet("/v1/status", (HttpContext http) => Credentials.Of(http) == Credential.Human
            ? Results.Json(service.Status(), OrchestratorService.Json)
            : Results.Json(agent.Status(), OrchestratorService.Json));
        app.MapPost("/v1/emergency-unlock", async () => Results.Json(await service.EmergencyUnlockAsync("control-api"), OrchestratorService.Json));
        IntentRoutes.Map(app, service, agent);
        UploadRoutes.Map(app, service);
        ConsoleRoutes.Map(app, service, console);
        await app.StartAsync();
        var api = new ControlApi(app);
        api.Port = new Uri(app.Urls.First()).Port;
        return api;
    }

    private static Task Refuse(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { code, message });
    }

    private sealed class ServeOwnsLifetime : Microsoft.Extensions.Hosting.IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Stops it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
