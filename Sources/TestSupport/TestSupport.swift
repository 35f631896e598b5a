// Placeholder: filled in by the TestSupport work.
