// Placeholder: filled in by the Daemon work.
