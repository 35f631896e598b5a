import Testing

@Test func placeholder_MetricsServerTests() {}
