import Testing

@Test func placeholder_CurlTransportTests() {}
