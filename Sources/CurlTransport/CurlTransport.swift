// Placeholder: filled in by the CurlTransport work.
