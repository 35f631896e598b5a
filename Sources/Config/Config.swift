// Placeholder: filled in by the Config work.
