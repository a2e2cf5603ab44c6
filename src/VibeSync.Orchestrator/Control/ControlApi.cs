using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VibeSync.Protocol.Hashing;

namespace VibeSync.Orchestrator.Control;

/// <summary>
/// The control API the CLI (and later the MCP server) uses: HTTP on 127.0.0.1 only, every
/// request carrying <c>Authorization: Bearer &lt;DIR/keys/control.token&gt;</c>, compared in
/// constant time. Whoever can read that 0600 file is the person who runs the orchestrator.
/// </summary>
public sealed class ControlApi : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlApi(WebApplication app) => _app = app;

    /// <summary>The port it listens on.</summary>
    public int Port { get; private set; }

    /// <summary>Starts the API on <paramref name="port"/> (0: a free one) with its routes.</summary>
    public static async Task<ControlApi> StartAsync(int port, byte[] token, OrchestratorService service)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        // serve owns the process's signals and shutdown order (flush the pipeline, then the WAL): the
        // web host must not install its console lifetime, whose SIGTERM handling races serve's own.
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, ServeOwnsLifetime>();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        var app = builder.Build();
        var expected = Encoding.ASCII.GetBytes("Bearer " + Hex.Encode(token));
        app.Use(async (context, next) =>
        {
            var given = Encoding.ASCII.GetBytes(context.Request.Headers.Authorization.ToString());
            if (!CryptographicOperations.FixedTimeEquals(given, expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsJsonAsync(new { code = "UNAUTHORIZED", message = "send Authorization: Bearer <the hex in keys/control.token>" });
                return;
            }
            await next(context);
        });
        app.Use(ErrorAnswers.AsJsonAsync);
        app.MapGet("/v1/status", () => Results.Json(service.Status(), OrchestratorService.Json));
        app.MapPost("/v1/emergency-unlock", async () => Results.Json(await service.EmergencyUnlockAsync("control-api"), OrchestratorService.Json));
        IntentRoutes.Map(app, service);
        await app.StartAsync();
        var api = new ControlApi(app);
        api.Port = new Uri(app.Urls.First()).Port;
        return api;
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
