namespace VibeSync.Protocol.Link
{
    /// <summary>
    /// The registry of frame types on the adapter link (docs/protocol.md §11). A frame of any
    /// other type is a contract violation once it is authenticated.
    /// </summary>
    public static class MessageType
    {
        /// <summary>Adapter → orchestrator, MAC'd with the engine's bootstrap key: who it is and its nonce.</summary>
        public const byte Hello = 0x01;
        /// <summary>Orchestrator → adapter, MAC'd with the bootstrap key: the session id and the server's nonce.</summary>
        public const byte Welcome = 0x02;
        /// <summary>Orchestrator → adapter, MAC'd with the bootstrap key: the handshake is refused, and why.</summary>
        public const byte Refused = 0x03;
        /// <summary>Adapter → orchestrator: engine state, generation, undo depth; at least every 5 s.</summary>
        public const byte Heartbeat = 0x10;
        /// <summary>Either way: a request was accepted; echoes its sequence number.</summary>
        public const byte Ack = 0x11;
        /// <summary>Orchestrator → adapter, under the old key: from the next frame on, keys of the next epoch.</summary>
        public const byte Rekey = 0x12;
        /// <summary>Adapter → orchestrator, under the old key: the adapter's frames after this one use the new epoch.</summary>
        public const byte RekeyAck = 0x13;
        /// <summary>Adapter → orchestrator: a human's edit in the engine, as typed operations.</summary>
        public const byte Edit = 0x20;
        /// <summary>Adapter → orchestrator: the engine's whole scene in canonical values and its root (attach, rebind).</summary>
        public const byte Scene = 0x21;
        /// <summary>Adapter → orchestrator: a human is working on these objects now (or stopped).</summary>
        public const byte HumanActive = 0x22;
        /// <summary>Adapter → orchestrator: the complete list of what the adapter does not sync now, and why (replaces the previous list).</summary>
        public const byte NotSynced = 0x23;
        /// <summary>Either way, only when config <c>sync.scene_time</c> is on: an editor's current scene time (docs/protocol.md §11.10); never journaled, the latest wins.</summary>
        public const byte Time = 0x24;
        /// <summary>Either way: a request failed; echoes its sequence number, with a code and a sentence.</summary>
        public const byte Error = 0x30;
        /// <summary>Either way: the session ends, with a reason.</summary>
        public const byte Bye = 0x31;
        /// <summary>Orchestrator → adapter: apply an intent's operations provisionally, all or none.</summary>
        public const byte Apply = 0x40;
        /// <summary>Adapter → orchestrator: the answer to APPLY, at once, with the undo token.</summary>
        public const byte Applied = 0x41;
        /// <summary>Adapter → orchestrator: the hashes of an applied intent's records as read back, a tick later.</summary>
        public const byte Observed = 0x42;
        /// <summary>Orchestrator → adapter: restore exactly what an intent's APPLY changed.</summary>
        public const byte Rollback = 0x43;
        /// <summary>Orchestrator → adapter: these intents are FINAL; their changes may be saved.</summary>
        public const byte Finalize = 0x44;
        /// <summary>Orchestrator → adapter: send these records (or all) in canonical values.</summary>
        public const byte Read = 0x45;
        /// <summary>Adapter → orchestrator: the answer to READ.</summary>
        public const byte State = 0x46;
        /// <summary>Orchestrator → adapter: the AI intents waiting for a human, and the console's address (docs/protocol.md §11.9); answered ACK. Nothing an adapter sends decides them.</summary>
        public const byte PendingIntents = 0x47;
        /// <summary>Either way: the receiver of a message that named blobs asks for those it lacks (docs/protocol.md §12.2).</summary>
        public const byte BlobWant = 0x50;
        /// <summary>Either way: a piece of a wanted blob; the only binary payload (BLOB_CHUNK, docs/protocol.md §12.2).</summary>
        public const byte BlobChunk = 0x51;
        /// <summary>Either way: the sender of a blob reference cannot provide these blobs any more; the referencing message is dropped.</summary>
        public const byte BlobGone = 0x52;
        /// <summary>Orchestrator → adapter: blobs arriving from (or held for) another engine that an APPLY may soon name; the adapter asks with BLOB_WANT for those it lacks (docs/protocol.md §12.2, forwarding).</summary>
        public const byte BlobOffer = 0x53;

        /// <summary>True for the types this version knows.</summary>
        public static bool IsKnown(byte type) =>
            type == Hello || type == Welcome || type == Refused || type == Heartbeat || type == Ack || type == Rekey
            || type == RekeyAck || type == Edit || type == Scene || type == HumanActive || type == NotSynced || type == Time || type == Error || type == Bye
            || (type >= Apply && type <= PendingIntents) || (type >= BlobWant && type <= BlobOffer);

        /// <summary>The type's name for logs, e.g. <c>HEARTBEAT</c>.</summary>
        public static string Name(byte type)
        {
            switch (type)
            {
                case Hello: return "HELLO";
                case Welcome: return "WELCOME";
                case Refused: return "REFUSED";
                case Heartbeat: return "HEARTBEAT";
                case Ack: return "ACK";
                case Rekey: return "REKEY";
                case RekeyAck: return "REKEY_ACK";
                case Edit: return "EDIT";
                case Scene: return "SCENE";
                case HumanActive: return "HUMAN_ACTIVE";
                case NotSynced: return "NOT_SYNCED";
                case Time: return "TIME";
                case Apply: return "APPLY";
                case Applied: return "APPLIED";
                case Observed: return "OBSERVED";
                case Rollback: return "ROLLBACK";
                case Finalize: return "FINALIZE";
                case Read: return "READ";
                case State: return "STATE";
                case PendingIntents: return "PENDING_INTENTS";
                case BlobWant: return "BLOB_WANT";
                case BlobChunk: return "BLOB_CHUNK";
                case BlobGone: return "BLOB_GONE";
                case BlobOffer: return "BLOB_OFFER";
                case Error: return "ERROR";
                case Bye: return "BYE";
                default: return "0x" + type.ToString("x2");
            }
        }
    }
}
