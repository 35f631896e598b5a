// Placeholder: filled in by the Notify work.
