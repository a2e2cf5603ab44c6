global using Xunit;
global using VibeSync.Protocol.Link;
global using VibeSync.EndToEnd.Tests;
