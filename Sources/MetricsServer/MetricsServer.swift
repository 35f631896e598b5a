// Placeholder: filled in by the MetricsServer work.
