import Testing

@Test func placeholder_ConfigTests() {}
