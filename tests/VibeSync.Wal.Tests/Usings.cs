global using Xunit;
global using VibeSync.Wal.Entries;
