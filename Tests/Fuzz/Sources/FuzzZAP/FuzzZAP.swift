import FuzzHarness

// libFuzzer's entry point: libFuzzer supplies `main` (this file is not main.swift).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTarget.zap.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
