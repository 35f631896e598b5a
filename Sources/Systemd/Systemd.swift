// Placeholder: filled in by the Systemd work.
