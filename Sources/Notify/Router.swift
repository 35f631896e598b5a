import Config

/// Route resolution (pure): every matching route applies; a receiver named by several routes
/// gets the alert once, with the settings of the first route that names it.
struct Router: Sendable {
    struct Target: Sendable, Hashable {
        var receiver: String
        var repeatInterval: Double
        var sendResolved: Bool
    }
    let routes: [RouteConfig]

    func targets(for labels: [String: String]) -> [Target] {
        var seen: Set<String> = []
        var out: [Target] = []
        for route in routes where route.matches(labels) {
            for receiver in route.receivers where seen.insert(receiver).inserted {
                out.append(Target(receiver: receiver, repeatInterval: route.repeatInterval, sendResolved: route.sendResolved))
            }
        }
        return out
    }
}
