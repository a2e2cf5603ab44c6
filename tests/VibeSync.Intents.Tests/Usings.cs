global using Xunit;
global using VibeSync.Protocol.Operations;
global using VibeSync.Intents.Reality;
global using VibeSync.Intents.Validation;
