import CZeroMQ

// Part of the socket option catalog (SocketOption+Catalog.swift, this folder): the security
// mechanisms: PLAIN, CURVE, GSSAPI, and the ZAP domain.

// MARK: - Security: PLAIN

extension SocketOption where Value == Bool {
    /// Whether the socket is a PLAIN server, checking client credentials through ZAP
    /// (`ZMQ_PLAIN_SERVER`). Setting it to `false` resets the socket to the NULL mechanism.
    /// Reads `true` only while the mechanism is PLAIN. Default `false`.
    public static var plainServer: SocketOption<Bool> {
        .flag("ZMQ_PLAIN_SERVER", ZMQ_PLAIN_SERVER, .readWrite)
    }
}

extension SocketOption where Value == String {
    /// The user name a PLAIN client sends (`ZMQ_PLAIN_USERNAME`); setting it makes the socket
    /// a PLAIN client. Up to 255 bytes; an empty value returns the socket to the NULL
    /// mechanism. Default: none.
    public static var plainUsername: SocketOption<String> {
        .string("ZMQ_PLAIN_USERNAME", ZMQ_PLAIN_USERNAME, .readWrite, maximumLength: 255)
    }

    /// The password a PLAIN client sends (`ZMQ_PLAIN_PASSWORD`); setting it makes the socket a
    /// PLAIN client. Up to 255 bytes; an empty value returns the socket to the NULL
    /// mechanism. Default: none.
    ///
    /// PLAIN sends it in clear text.
    public static var plainPassword: SocketOption<String> {
        .string("ZMQ_PLAIN_PASSWORD", ZMQ_PLAIN_PASSWORD, .readWrite, maximumLength: 255)
    }
}

// MARK: - Security: CURVE

extension SocketOption where Value == Bool {
    /// Whether the socket is a CURVE server (`ZMQ_CURVE_SERVER`); a server also needs
    /// ``curveSecretKey``. Setting it to `false` resets the socket to the NULL mechanism. Reads
    /// `true` only while the mechanism is CURVE. Default `false`.
    public static var curveServer: SocketOption<Bool> {
        .flag("ZMQ_CURVE_SERVER", ZMQ_CURVE_SERVER, .readWrite)
    }
}

extension SocketOption where Value == [UInt8] {
    /// The socket's long-term CURVE public key (`ZMQ_CURVE_PUBLICKEY`); clients must set it.
    ///
    /// Write 32 bytes of binary key or the 40 characters of its Z85 text (as UTF-8); reading
    /// always returns the 32 binary bytes (all zeros when unset). Default: none.
    public static var curvePublicKey: SocketOption<[UInt8]> {
        .curveKey("ZMQ_CURVE_PUBLICKEY", ZMQ_CURVE_PUBLICKEY)
    }

    /// The socket's long-term CURVE secret key (`ZMQ_CURVE_SECRETKEY`); clients and servers
    /// must set it.
    ///
    /// Write 32 bytes of binary key or the 40 characters of its Z85 text (as UTF-8); reading
    /// always returns the 32 binary bytes (all zeros when unset). Default: none.
    public static var curveSecretKey: SocketOption<[UInt8]> {
        .curveKey("ZMQ_CURVE_SECRETKEY", ZMQ_CURVE_SECRETKEY)
    }

    /// The server's long-term CURVE public key, which a client must know
    /// (`ZMQ_CURVE_SERVERKEY`); setting it makes the socket a CURVE client.
    ///
    /// Write 32 bytes of binary key or the 40 characters of its Z85 text (as UTF-8); reading
    /// always returns the 32 binary bytes (all zeros when unset). Default: none.
    public static var curveServerKey: SocketOption<[UInt8]> {
        .curveKey("ZMQ_CURVE_SERVERKEY", ZMQ_CURVE_SERVERKEY)
    }
}

// MARK: - Security: GSSAPI

extension SocketOption where Value == Bool {
    /// Whether the socket is a GSSAPI server rather than client (`ZMQ_GSSAPI_SERVER`).
    /// Setting it selects the GSSAPI mechanism. Reads `true` only while the mechanism is
    /// GSSAPI. Default `false`.
    public static var gssapiServer: SocketOption<Bool> {
        .flag("ZMQ_GSSAPI_SERVER", ZMQ_GSSAPI_SERVER, .readWrite)
    }

    /// Whether GSSAPI traffic is sent unencrypted (`ZMQ_GSSAPI_PLAINTEXT`). Default `false`
    /// (encrypted).
    public static var gssapiPlaintext: SocketOption<Bool> {
        .flag("ZMQ_GSSAPI_PLAINTEXT", ZMQ_GSSAPI_PLAINTEXT, .readWrite)
    }
}

extension SocketOption where Value == String {
    /// The principal whose GSSAPI credentials the socket acquires (`ZMQ_GSSAPI_PRINCIPAL`).
    /// Setting it selects the GSSAPI mechanism. 1 to 255 bytes. Default: none.
    public static var gssapiPrincipal: SocketOption<String> {
        .string("ZMQ_GSSAPI_PRINCIPAL", ZMQ_GSSAPI_PRINCIPAL, .readWrite, maximumLength: 255)
    }

    /// The principal of the GSSAPI server a client connects to
    /// (`ZMQ_GSSAPI_SERVICE_PRINCIPAL`). Setting it makes the socket a GSSAPI client. 1 to 255
    /// bytes. Default: none.
    public static var gssapiServicePrincipal: SocketOption<String> {
        .string("ZMQ_GSSAPI_SERVICE_PRINCIPAL", ZMQ_GSSAPI_SERVICE_PRINCIPAL, .readWrite, maximumLength: 255)
    }
}

extension SocketOption where Value == Int {
    /// How ``gssapiPrincipal`` is interpreted (`ZMQ_GSSAPI_PRINCIPAL_NAMETYPE`): 0 a host-based
    /// service name (`ZMQ_GSSAPI_NT_HOSTBASED`), 1 a user name (`ZMQ_GSSAPI_NT_USER_NAME`),
    /// 2 a Kerberos principal (`ZMQ_GSSAPI_NT_KRB5_PRINCIPAL`). Default 0.
    public static var gssapiPrincipalNameType: SocketOption<Int> {
        .int("ZMQ_GSSAPI_PRINCIPAL_NAMETYPE", ZMQ_GSSAPI_PRINCIPAL_NAMETYPE, .readWrite, range: 0...2)
    }

    /// How ``gssapiServicePrincipal`` is interpreted
    /// (`ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE`): 0 host-based, 1 user name, 2 Kerberos
    /// principal, as for ``gssapiPrincipalNameType``. Default 0.
    public static var gssapiServicePrincipalNameType: SocketOption<Int> {
        .int(
            "ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE", ZMQ_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE, .readWrite,
            range: 0...2
        )
    }
}

// MARK: - Security: ZAP

extension SocketOption where Value == String {
    /// The ZAP authentication domain the socket's connections are checked in
    /// (`ZMQ_ZAP_DOMAIN`). Up to 255 bytes; an empty value clears it. Default: empty.
    ///
    /// With the NULL mechanism, ZAP is consulted only when a domain is set.
    public static var zapDomain: SocketOption<String> {
        .string("ZMQ_ZAP_DOMAIN", ZMQ_ZAP_DOMAIN, .readWrite, maximumLength: 255)
    }
}
