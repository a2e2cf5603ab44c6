// Design rationale: while JetStream elects a stream or meta leader (seconds after a server is
// lost) its API does not answer or answers 503; that is a wait, not a failure. Setup calls retry
// through it up to a deadline; a real refusal (a bad config, a wrong sequence) is not retried.
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace VibeSync.Cluster;

internal static class Transient
{
    /// <summary>True for what an election or a reconnect causes: no answer, no responders, 503, a timeout.</summary>
    public static bool Is(Exception e) => e switch
    {
        NatsJSApiException api => api.Error.Code == 503 || api.Error.ErrCode == 10008,
        NatsException or TimeoutException => true,
        _ => false,
    };

    /// <summary>Runs <paramref name="call"/> until it succeeds, a non-transient error, or <paramref name="timeout"/>.</summary>
    public static async Task<T> RetryAsync<T>(Func<CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(timeout);
        while (true)
        {
            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(budget.Token);
                attempt.CancelAfter(TimeSpan.FromSeconds(3));
                return await call(attempt.Token).ConfigureAwait(false);
            }
            catch (Exception e) when ((Is(e) || e is OperationCanceledException) && !budget.IsCancellationRequested)
            {
                await Task.Delay(250, budget.Token).ConfigureAwait(false);
            }
        }
    }
}
