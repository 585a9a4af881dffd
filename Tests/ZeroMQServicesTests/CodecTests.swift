import Foundation
import SwiftProtobuf
import Testing
import ZeroMQ
import ZeroMQProtobuf
@testable import ZeroMQServices

@Suite("Codecs", .timeLimit(.minutes(5)))
struct CodecTests {
    @Test("JSON round-trips a value in one frame and refuses other shapes")
    func json() throws {
        let codec = JSONCodec<Weather>()
        let weather = Weather(zipcode: "10001", temperature: -3, humidity: 71)
        let frames = try codec.encode(weather)
        #expect(frames.count == 1)
        #expect(try codec.decode(frames) == weather)
        #expect(throws: FrameCountError.self) { try codec.decode(frames + frames) }
        #expect(throws: FrameCountError.self) { try codec.decode([]) }
        #expect(throws: DecodingError.self) { try codec.decode([Frame([0xFF, 0x00])]) }
    }

    @Test("JSON settings come from the closures")
    func jsonSettings() throws {
        let codec = JSONCodec<[String: Int]>(
            encoder: {
                let encoder = JSONEncoder()
                encoder.outputFormatting = .sortedKeys
                return encoder
            },
            decoder: { JSONDecoder() }
        )
        #expect(try codec.encode(["b": 2, "a": 1])[0].string == #"{"a":1,"b":2}"#)
    }

    @Test("String sends UTF-8 and refuses bytes that are not")
    func string() throws {
        let codec = StringCodec()
        #expect(try codec.encode("héllo")[0].bytes == Array("héllo".utf8))
        #expect(try codec.decode([Frame("héllo")]) == "héllo")
        #expect(throws: InvalidUTF8Error.self) { try codec.decode([Frame([0xC3, 0x28])]) }
    }

    @Test("Protobuf round-trips a message, is smaller than JSON, and refuses garbage")
    func protobuf() throws {
        let codec = ProtobufCodec<WeatherUpdate>()
        var update = WeatherUpdate()
        update.zipcode = "10001"
        update.temperature = -3
        update.humidity = 71
        let frames = try codec.encode(update)
        #expect(try codec.decode(frames) == update)
        let json = try JSONCodec<Weather>().encode(Weather(zipcode: "10001", temperature: -3, humidity: 71))
        #expect(frames[0].count == 11)
        #expect(json[0].count == 50)
        #expect(throws: FrameCountError.self) { try codec.decode(frames + frames) }
        #expect(throws: BinaryDecodingError.self) { try codec.decode([Frame([0xFF, 0xFF, 0xFF])]) }
    }

    @Test("A typed client and service can speak protobuf")
    func protobufRequestReply() async throws {
        try await withDeadline {
            try await withContext { context in
                let service = try await RequestService(
                    context, endpoints: [.bind("tcp://127.0.0.1:*")], requestDecoder: ProtobufCodec<WeatherUpdate>(),
                    responseEncoder: ProtobufCodec<Google_Protobuf_StringValue>()
                ) { update in
                    Google_Protobuf_StringValue("\(update.zipcode): \(update.temperature) °C")
                }
                let client = try await RequestClient(
                    context, connectingTo: service.boundEndpoints, requestEncoder: ProtobufCodec<WeatherUpdate>(),
                    responseDecoder: ProtobufCodec<Google_Protobuf_StringValue>()
                )
                try await withServices([service, client]) {
                    var update = WeatherUpdate()
                    update.zipcode = "94110"
                    update.temperature = 18
                    let reply = try await client.request(update)
                    #expect(reply.value == "94110: 18 °C")
                }
            }
        }
    }
}
