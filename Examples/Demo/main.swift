import ZeroMQ
print(LibZMQ.version)
