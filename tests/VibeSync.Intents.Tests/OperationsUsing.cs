// The typed operations and their refusals live in the protocol library, shared with the Unity package.
global using VibeSync.Protocol.Operations;
