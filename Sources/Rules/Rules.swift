// Placeholder: filled in by the Rules work.
