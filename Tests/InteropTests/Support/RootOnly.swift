import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The condition of the suites that make network namespaces (root only), so that they never
/// pass without having run:
///
/// - not root, or iproute2's `ip` missing: the suite is skipped, and a line says so on standard
///   error: `SKIPPED: <suite>: needs root ...` (Swift Testing also lists it as skipped);
/// - root with `ip`: the suite runs, and when the namespaces cannot be made (a container without
///   CAP_SYS_ADMIN, a user namespace, a kernel without veth or bridge) the test FAILS with `ip`'s
///   error: that machine was meant to run it.
///
/// Use as `.enabled(if: RootOnly.canMakeNetworkNamespaces(for: "<suite name>"), RootOnly.reason)`.
enum RootOnly {
    /// Why namespaces cannot be made here, or nil when the suites should run (and fail if they
    /// then cannot make them).
    static var unmetRequirement: String? {
        let uid = getuid()
        if uid != 0 {
            return "needs root to make network namespaces (running as uid \(uid)); CI runs it as root"
        }
        if NetworkNamespaces.ip == nil {
            return "needs iproute2's ip (apt-get install iproute2) to make network namespaces"
        }
        return nil
    }

    /// The comment Swift Testing shows for a skipped root-only suite.
    static let reason: Comment = "needs root and iproute2 to make network namespaces"

    /// The suites already reported as skipped: Swift Testing evaluates a suite's condition for
    /// each of its tests, the line is printed once.
    private static let reported = Locked(Set<String>())

    /// Whether `suite` can run here; when not, prints `SKIPPED: <suite>: <why>` to standard error
    /// (once per suite).
    static func canMakeNetworkNamespaces(for suite: String) -> Bool {
        guard let unmet = unmetRequirement else { return true }
        if reported.withLock({ $0.insert(suite).inserted }) {
            FileHandle.standardError.write(Data("SKIPPED: \(suite): \(unmet)\n".utf8))
        }
        return false
    }
}
