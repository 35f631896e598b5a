import Testing

@Test func placeholder_ProbingTests() {}
