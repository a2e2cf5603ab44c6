global using Xunit;
global using VibeSync.Protocol.Link;
