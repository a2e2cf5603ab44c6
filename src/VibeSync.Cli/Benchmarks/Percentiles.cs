namespace VibeSync.Cli.Benchmarks;

/// <summary>Order statistics over measured samples.</summary>
internal static class Percentiles
{
    /// <summary>The p-quantile (0..1) by nearest rank; sorts <paramref name="samples"/> in place.</summary>
    public static double Of(double[] samples, double p)
    {
        Array.Sort(samples);
        int rank = (int)Math.Ceiling(p * samples.Length) - 1;
        return samples[Math.Clamp(rank, 0, samples.Length - 1)];
    }
}
