global using Xunit;
global using VibeSync.Intents.Operations;
global using VibeSync.Intents.Reality;
global using VibeSync.Intents.Validation;
