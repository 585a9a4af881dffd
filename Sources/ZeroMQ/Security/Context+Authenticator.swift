extension Context {
    /// Whether a ZAP authenticator serves this context (`inproc://zeromq.zap.01` is bound).
    ///
    /// ``Socket/setSecurity(_:)`` refuses a CURVE server that relies on an authenticator when
    /// none is installed. Thread-safe.
    var isAuthenticatorInstalled: Bool { storage.isAuthenticatorInstalled }

    /// Records that a ZAP authenticator was bound (`true`) or unbound (`false`) on this
    /// context. Called by the authenticator. Thread-safe.
    func setAuthenticatorInstalled(_ installed: Bool) {
        storage.setAuthenticatorInstalled(installed)
    }
}

extension ContextStorage {
    /// Whether a ZAP authenticator serves this context. Thread-safe.
    var isAuthenticatorInstalled: Bool { authenticatorInstalled.load(ordering: .acquiring) }

    /// Records that a ZAP authenticator was bound or unbound. Thread-safe.
    func setAuthenticatorInstalled(_ installed: Bool) {
        authenticatorInstalled.store(installed, ordering: .releasing)
    }
}
