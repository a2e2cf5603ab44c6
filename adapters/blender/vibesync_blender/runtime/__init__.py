"""The adapter at run time: the main-thread queue, the link channel (a listener thread that only
does socket I/O), the adapter that answers the orchestrator, and change detection."""
