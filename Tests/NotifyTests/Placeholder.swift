import Testing

@Test func placeholder_NotifyTests() {}
