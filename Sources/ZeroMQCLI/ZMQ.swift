import ArgumentParser
import ZeroMQ

/// `zmq`: every ZeroMQ socket type and the three devices from a shell.
@main
struct ZMQ: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zmq",
        abstract: "Send and receive ZeroMQ messages from a shell: every socket type and the three devices.",
        discussion: """
            Each socket command opens one socket, binds (--bind) and connects (--connect) it, then \
            sends the messages given as arguments, or the lines of standard input, and prints each \
            message it receives on its own line. Bound endpoints are announced on standard error as \
            `listening on <endpoint>`.

            Printed messages: UTF-8 text as it is (control characters escaped as \\n, \\r, \\t, \\xNN), \
            other bytes as 0x and hexadecimal, an empty frame as "", frames of a multipart message \
            joined by " | ". With --quiet only a summary is printed: `N messages in S s (R msg/s)`.

            Multipart messages: --frames SEP splits each message sent (argument or line of standard \
            input) at SEP into frames, and joins the frames of each message printed with SEP. --raw \
            prints frames as their bytes, unescaped. Standard input is read as bytes (NUL and \
            invalid UTF-8 included), one message per line.

            Exit status: 0 when done; 1 on an error (bad endpoint, address in use, --timeout), with \
            `Error: <reason>` on standard error; 64 for bad usage; 130 after Ctrl-C (143 after \
            SIGTERM), once the summary is printed. A second Ctrl-C while stopping (queued messages \
            get --linger seconds to leave) exits at once, with 128 + its number.

            Examples:
              zmq pull --bind tcp://127.0.0.1:5690 --count 3
              zmq push --connect tcp://127.0.0.1:5690 one two three
              zmq rep --bind 'tcp://127.0.0.1:*'
              seq 1000 | zmq req --connect tcp://127.0.0.1:5678 --quiet
              zmq pub --bind 'tcp://127.0.0.1:*' --frames '|' --interval 1 'weather|sunny'
              zmq sub --connect tcp://127.0.0.1:5680 --frames '|' --topic weather
              zmq proxy queue --frontend tcp://127.0.0.1:5679 \\
                  --backend tcp://127.0.0.1:5677
              zmq monitor --connect tcp://127.0.0.1:5678 --type req

            Security (every socket command; proxy: its frontend): --curve-server CERT with \
            --allow DIR (or --any-client), --curve-client CERT --server-key KEY, --plain USER:PASS, \
            --plain-server USER:PASS. `zmq keygen --out NAME` writes a certificate pair:
              zmq keygen --out server && zmq keygen --out clients/alice
              zmq rep --bind 'tcp://127.0.0.1:*' --curve-server server.key_secret --allow clients
              zmq req --connect tcp://127.0.0.1:5678 --curve-client clients/alice.key_secret \\
                  --server-key server.key hello
            """,
        version: "swift-zeromq, libzmq \(LibZMQ.version)",
        subcommands: [
            Req.self, Rep.self, Pub.self, Sub.self, Push.self, Pull.self, Pair.self, Dealer.self, Router.self,
            ProxyCommand.self, Monitor.self, Keygen.self,
        ]
    )

    /// Parses the command line and runs the command, as ArgumentParser's own `main()` does,
    /// except that a first word that names no command gets a clear error (ArgumentParser would
    /// say `Unexpected argument`).
    static func main() async {
        do {
            if let word = CommandLine.arguments.dropFirst().first, !word.hasPrefix("-"), word != "help",
                !commandNames.contains(word)
            {
                throw ValidationError(
                    "Unknown command '\(word)'. The commands are \(commandNames.joined(separator: ", ")); see zmq --help."
                )
            }
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    /// The subcommands' names, as typed.
    static var commandNames: [String] { configuration.subcommands.map { $0._commandName } }
}
