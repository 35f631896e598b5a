// Placeholder: filled in by the Probing work.
