//! Handshake reply, including the manifest v1 exchange, from arbitrary server bytes.
#![no_main]
use boltc::bolt::chunk::ChunkReader;
use boltc::bolt::handshake::{perform, DEFAULT_PROPOSALS};
use libfuzzer_sys::fuzz_target;
use std::io::{self, Read, Write};

/// Reads the fuzz input; discards what the client writes.
struct Duplex<'a> {
    input: &'a [u8],
}

impl Read for Duplex<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.input.read(out)
    }
}

impl Write for Duplex<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, input)) = data.split_first() else {
        return;
    };
    let proposals = &DEFAULT_PROPOSALS[usize::from(sel & 1)];
    let mut reader = ChunkReader::new(64, 1 << 16);
    let mut stream = Duplex { input };
    let _ = perform(&mut stream, &mut reader, proposals);
});
