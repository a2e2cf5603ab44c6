global using Xunit;
global using VibeSync.Wal;
global using VibeSync.Wal.Entries;
