//! PackStream v1: the binary encoding of Bolt values. Bytes in, values out; no sockets.
