// The message of this .proto, in the shape `protoc --swift_out` generates (written by hand:
// building swift-protobuf's plugin takes about ten minutes on the CI machine):
//
//   syntax = "proto3";
//   message WeatherUpdate {
//     string zipcode = 1;
//     sint32 temperature = 2;
//     uint32 humidity = 3;
//   }
import SwiftProtobuf

struct WeatherUpdate: Sendable {
    var zipcode = ""
    var temperature: Int32 = 0
    var humidity: UInt32 = 0
    var unknownFields = UnknownStorage()
}

extension WeatherUpdate: SwiftProtobuf.Message, SwiftProtobuf._MessageImplementationBase, SwiftProtobuf._ProtoNameProviding {
    static let protoMessageName = "WeatherUpdate"
    static let _protobuf_nameMap = SwiftProtobuf._NameMap(bytecode: "\0\u{1}zipcode\0\u{1}temperature\0\u{1}humidity\0")

    mutating func decodeMessage<D: SwiftProtobuf.Decoder>(decoder: inout D) throws {
        while let fieldNumber = try decoder.nextFieldNumber() {
            switch fieldNumber {
            case 1: try decoder.decodeSingularStringField(value: &zipcode)
            case 2: try decoder.decodeSingularSInt32Field(value: &temperature)
            case 3: try decoder.decodeSingularUInt32Field(value: &humidity)
            default: break
            }
        }
    }

    func traverse<V: SwiftProtobuf.Visitor>(visitor: inout V) throws {
        if !zipcode.isEmpty { try visitor.visitSingularStringField(value: zipcode, fieldNumber: 1) }
        if temperature != 0 { try visitor.visitSingularSInt32Field(value: temperature, fieldNumber: 2) }
        if humidity != 0 { try visitor.visitSingularUInt32Field(value: humidity, fieldNumber: 3) }
        try unknownFields.traverse(visitor: &visitor)
    }

    static func == (lhs: WeatherUpdate, rhs: WeatherUpdate) -> Bool {
        lhs.zipcode == rhs.zipcode && lhs.temperature == rhs.temperature && lhs.humidity == rhs.humidity
            && lhs.unknownFields == rhs.unknownFields
    }
}
