global using Xunit;
global using VibeSync.Wal;
global using VibeSync.Wal.Entries;

// Each test class starts its own three nats-server processes; on a 2-core machine, classes in
// parallel starve JetStream's elections and leases of CPU. One cluster at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
